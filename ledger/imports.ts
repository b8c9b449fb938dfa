import type pg from 'pg';

// Client-base imports (reports/import.ts): the uploaded file, kept once per content, and each
// run's job row with its counts and bad rows. The customers and their bonuses themselves go
// through registerCustomer and grant like any other; this is only the import's own record.

export interface ImportFile {
  id: string;
  format: 'csv' | 'xlsx';
  name: string | null;
  body: Buffer;
}

export interface ImportCounts {
  total: number;
  processed: number;
  created: number;
  existing: number;
  granted: number;
  failed: number;
}

export interface ImportJobError {
  line: number;
  field: string;
  value: string;
  reason: string;
}

export interface ImportJob extends ImportCounts {
  id: string;
  fileId: string;
  dryRun: boolean;
  status: 'running' | 'done' | 'failed';
  mapping: Record<string, number>;
  errors: ImportJobError[];
  /** Rows whose phone a customer already had (their data is left as it is), the first MAX_KEPT_ERRORS. */
  existingRows: { line: number; phone: string }[];
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ImportEnd {
  status: 'done' | 'failed';
  errors: ImportJobError[];
  existingRows?: { line: number; phone: string }[];
  error?: string;
}

/** Most bad rows kept with a job: enough to fix a file, bounded for a file of garbage. */
export const MAX_KEPT_ERRORS = 10_000;

export async function saveImportFile(pool: pg.Pool, tenantId: string, f: ImportFile): Promise<void> {
  await pool.query('INSERT INTO import_files (tenant_id, id, format, name, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
    tenantId,
    f.id,
    f.format,
    f.name,
    f.body,
  ]);
}

export async function importFile(pool: pg.Pool, tenantId: string, id: string): Promise<ImportFile | null> {
  const r = await pool.query<{ id: string; format: 'csv' | 'xlsx'; name: string | null; body: Buffer }>(
    'SELECT id, format, name, body FROM import_files WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return r.rows[0] ?? null;
}

export async function startImport(pool: pg.Pool, tenantId: string, job: { id: string; fileId: string; dryRun: boolean; mapping: Record<string, number>; total: number }): Promise<void> {
  await pool.query('INSERT INTO imports (tenant_id, id, file_id, dry_run, status, mapping, total) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    tenantId,
    job.id,
    job.fileId,
    job.dryRun,
    'running',
    JSON.stringify(job.mapping),
    job.total,
  ]);
}

/** Counts so far; with `end`, the job's outcome and its bad rows (the first MAX_KEPT_ERRORS). */
export async function updateImport(
  pool: pg.Pool,
  tenantId: string,
  id: string,
  c: ImportCounts,
  end?: ImportEnd,
): Promise<void> {
  const counts = [c.total, c.processed, c.created, c.existing, c.granted, c.failed];
  if (end === undefined) {
    await pool.query(
      'UPDATE imports SET total = $3, processed = $4, created = $5, existing = $6, granted = $7, failed = $8 WHERE tenant_id = $1 AND id = $2',
      [tenantId, id, ...counts],
    );
    return;
  }
  await pool.query(
    `UPDATE imports SET total = $3, processed = $4, created = $5, existing = $6, granted = $7, failed = $8,
            status = $9, errors = $10, error = $11, existing_rows = $12, finished_at = now() WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, ...counts, end.status, JSON.stringify(end.errors.slice(0, MAX_KEPT_ERRORS)), end.error ?? null, JSON.stringify((end.existingRows ?? []).slice(0, MAX_KEPT_ERRORS))],
  );
}

export async function importJob(pool: pg.Pool, tenantId: string, id: string): Promise<ImportJob | null> {
  const r = await pool.query(
    `SELECT id, file_id, dry_run, status, mapping, total, processed, created, existing, granted, failed, errors, existing_rows, error, started_at, finished_at
       FROM imports WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const x = r.rows[0];
  if (x === undefined) return null;
  return {
    id: x.id,
    fileId: x.file_id,
    dryRun: x.dry_run,
    status: x.status,
    mapping: x.mapping,
    total: x.total,
    processed: x.processed,
    created: x.created,
    existing: x.existing,
    granted: x.granted,
    failed: x.failed,
    errors: x.errors,
    existingRows: x.existing_rows,
    error: x.error,
    startedAt: (x.started_at as Date).toISOString(),
    finishedAt: x.finished_at === null ? null : (x.finished_at as Date).toISOString(),
  };
}

/** Which of these phones and cards customers of the tenant already hold (phone/card → customer id). */
export async function existingCustomers(pool: pg.Pool, tenantId: string, phones: string[], cards: string[]): Promise<{ byPhone: Map<string, string>; byCard: Map<string, string> }> {
  const [p, c] = await Promise.all([
    pool.query<{ phone: string; id: string }>('SELECT phone, id::text FROM customers WHERE tenant_id = $1 AND phone = ANY($2::text[])', [tenantId, phones]),
    cards.length === 0
      ? Promise.resolve({ rows: [] as { card_number: string; id: string }[] })
      : pool.query<{ card_number: string; id: string }>('SELECT card_number, id::text FROM customers WHERE tenant_id = $1 AND card_number = ANY($2::text[])', [tenantId, cards]),
  ]);
  return { byPhone: new Map(p.rows.map((r) => [r.phone, r.id])), byCard: new Map(c.rows.map((r) => [r.card_number, r.id])) };
}
