import { createHash, randomBytes } from 'node:crypto';
import { isKopilkaError, KopilkaError, type ImportCounts, type ImportJob, type Ledger } from '../ledger/index.ts';
import { readClientRow, type ImportRow, type RowContext, type RowError } from './client-row.ts';
import { FIELD_TITLES, FIELDS, namedMapping, resolveMapping, suggestMapping, type Field, type Mapping, type MappingInput } from './mapping.ts';
import { readTable, type Cell, type Table } from './table.ts';

// A client base from another service, in three steps: the preview (the file kept, its first rows
// and a suggested mapping), the dry run (every bad row named: line, field, reason), the import.
// Customers are registered through the ledger like any other — with what they bought before as
// `carriedOver`, so their level holds from the first day — and balances are granted as `import`
// lots keyed by the file and the phone: importing the same file again grants nothing twice.

/** Registrations in flight: enough that the group-commit writer fills its batches. */
export const IMPORT_CONCURRENCY = 512;
const PREVIEW_ROWS = 10;
const PROGRESS_EVERY_MS = 250;

export interface Preview {
  fileId: string;
  format: Table['format'];
  encoding: Table['encoding'];
  headers: string[];
  rowCount: number;
  rows: string[][];
  /** Field → header name. */
  mapping: Partial<Record<Field, string>>;
  fields: Record<Field, string>;
}

/** The file's id: a hash of its bytes, so the same file is the same upload (and the same grants). */
export function fileIdOf(body: Buffer): string {
  return `f${createHash('sha256').update(body).digest('hex').slice(0, 24)}`;
}

export async function preview(ledger: Ledger, tenantId: string, body: Buffer, contentType: string | undefined, name: string | null): Promise<Preview> {
  const table = await readTable(body, contentType);
  const fileId = fileIdOf(body);
  await ledger.saveImportFile(tenantId, { id: fileId, format: table.format, name, body });
  return {
    fileId,
    format: table.format,
    encoding: table.encoding,
    headers: table.headers,
    rowCount: table.rows.length,
    rows: table.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.map(shown)),
    mapping: namedMapping(table.headers, suggestMapping(table.headers)),
    fields: FIELD_TITLES,
  };
}

function shown(c: Cell): string {
  return c === null ? '' : c instanceof Date ? c.toISOString().slice(0, 10) : String(c);
}

export interface Plan {
  fileId: string;
  mapping: Mapping;
  rows: ImportRow[];
  errors: RowError[];
  /** Rows in the file (good and bad). */
  total: number;
  /** Bad rows (a row may have several errors). */
  failed: number;
  /** Phone → id of customers already registered. */
  existing: Map<string, string>;
}

/** A file opened for an import: its table and the mapping, checked (the rows not yet). */
export interface Opened {
  fileId: string;
  table: Table;
  mapping: Mapping;
  ctx: RowContext;
}

/** Reads and checks every row; nothing is written. Errors: NOT_FOUND (no such upload), INVALID_INPUT (mapping). */
export async function plan(ledger: Ledger, tenantId: string, fileId: string, mappingInput: MappingInput | undefined, now = new Date()): Promise<Plan> {
  return checkRows(ledger, tenantId, await openImport(ledger, tenantId, fileId, mappingInput, now));
}

/** The upload read and the mapping resolved: what can be refused at once. Errors: NOT_FOUND, INVALID_INPUT. */
export async function openImport(ledger: Ledger, tenantId: string, fileId: string, mappingInput: MappingInput | undefined, now = new Date()): Promise<Opened> {
  const file = await ledger.importFile(tenantId, fileId);
  if (file === null) throw new KopilkaError('NOT_FOUND', `Файл ${fileId} не загружен: сначала отправьте его на /v1/imports/preview`, { field: 'fileId' });
  const table = await readTable(file.body, file.format === 'xlsx' ? 'xlsx' : 'text/csv');
  const mapping = resolveMapping(table.headers, mappingInput ?? namedMapping(table.headers, suggestMapping(table.headers)));
  const program = await ledger.program(tenantId);
  const ctx: RowContext = { mapping, levels: program.levels.map((l) => ({ code: l.code, name: l.name })), country: 'RU', today: now.toISOString().slice(0, 10) };
  return { fileId, table, mapping, ctx };
}

/** Every row read and checked: within the file, then against the customers already there. */
export async function checkRows(ledger: Ledger, tenantId: string, o: Opened): Promise<Plan> {
  const { fileId, table, mapping, ctx } = o;
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  const badLines = new Set<number>();
  const byPhone = new Map<string, number>();
  const byCard = new Map<string, number>();
  for (const [i, r] of table.rows.entries()) {
    // A big file is read in slices: the tills served by this process keep being answered.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    const x = readClientRow(r.line, r.cells, ctx);
    if ('errors' in x) {
      errors.push(...x.errors);
      badLines.add(r.line);
      continue;
    }
    const dup = duplicateOf(x.row, byPhone, byCard);
    if (dup !== null) {
      errors.push(dup);
      badLines.add(r.line);
      continue;
    }
    rows.push(x.row);
  }
  const cards = rows.map((r) => r.customer.cardNumber).filter((c): c is string => typeof c === 'string');
  const held = await ledger.existingCustomers(tenantId, rows.map((r) => r.phone), cards);
  const kept = rows.filter((r) => {
    const owner = typeof r.customer.cardNumber === 'string' ? held.byCard.get(r.customer.cardNumber) : undefined;
    if (owner === undefined || owner === held.byPhone.get(r.phone)) return true;
    errors.push({ line: r.line, field: 'card', value: r.customer.cardNumber as string, reason: 'карта уже выдана другому клиенту' });
    badLines.add(r.line);
    return false;
  });
  errors.sort((a, b) => a.line - b.line);
  return { fileId, mapping, rows: kept, errors, total: table.rows.length, failed: badLines.size, existing: held.byPhone };
}

function duplicateOf(row: ImportRow, byPhone: Map<string, number>, byCard: Map<string, number>): RowError | null {
  const first = byPhone.get(row.phone);
  if (first !== undefined) return { line: row.line, field: 'phone', value: row.phone, reason: `телефон повторяет строку ${first}` };
  const card = row.customer.cardNumber;
  if (typeof card === 'string') {
    const firstCard = byCard.get(card);
    if (firstCard !== undefined) return { line: row.line, field: 'card', value: card, reason: `карта повторяет строку ${firstCard}` };
    byCard.set(card, row.line);
  }
  byPhone.set(row.phone, row.line);
  return null;
}

/** What a dry run would do: the counts as the import would reach them, and every bad row. */
export function dryRunCounts(p: Plan): ImportCounts {
  const existing = p.rows.filter((r) => p.existing.has(r.phone)).length;
  return { total: p.total, processed: p.total, created: p.rows.length - existing, existing, granted: p.rows.filter((r) => r.balance > 0).length, failed: p.failed };
}

export function newImportId(): string {
  return `imp_${randomBytes(8).toString('hex')}`;
}

/** Records a dry run as a finished job and returns it. */
export async function dryRun(ledger: Ledger, tenantId: string, p: Plan): Promise<ImportJob> {
  const id = newImportId();
  await ledger.startImport(tenantId, { id, fileId: p.fileId, dryRun: true, mapping: p.mapping, total: p.total });
  const existingRows = p.rows.filter((r) => p.existing.has(r.phone)).map((r) => ({ line: r.line, phone: r.phone }));
  await ledger.updateImport(tenantId, id, dryRunCounts(p), { status: 'done', errors: p.errors, existingRows });
  return (await ledger.importJob(tenantId, id))!;
}

/**
 * Imports the planned rows: first every new customer is registered, then every balance is
 * granted, each step with `concurrency` in flight so that the group-commit writer fills its
 * batches; progress is written every 250 ms. Resolves when done (the route does not wait for it).
 * Never throws: a failure ends the job as `failed` with its reason.
 */
export async function runImport(ledger: Ledger, tenantId: string, id: string, p: Plan, concurrency = IMPORT_CONCURRENCY): Promise<ImportCounts> {
  const c: ImportCounts = { total: p.total, processed: p.failed, created: 0, existing: 0, granted: 0, failed: p.failed };
  const errors = [...p.errors];
  const ids = new Map<string, string>();
  const existingRows: { line: number; phone: string }[] = [];
  // One progress write at a time, and none after the last: a late one would put old counts back.
  let progress: Promise<void> | null = null;
  const timer = setInterval(() => {
    progress ??= ledger.updateImport(tenantId, id, { ...c }).catch(() => {}).finally(() => (progress = null));
  }, PROGRESS_EVERY_MS);
  const stop = async () => {
    clearInterval(timer);
    await progress;
  };
  const refused = (row: ImportRow, e: unknown) => {
    if (!isKopilkaError(e) || e.status >= 500) throw e;
    const field = FIELDS.find((f) => f === e.details?.field) ?? (e.details?.field === 'cardNumber' ? 'card' : 'row');
    errors.push({ line: row.line, field, value: row.phone, reason: e.message });
    c.failed++;
    c.processed++;
  };
  try {
    await inParallel(p.rows, concurrency, async (row) => {
      try {
        const found = await customerOf(ledger, tenantId, p, row, c);
        ids.set(row.phone, found.id);
        if (!found.created) existingRows.push({ line: row.line, phone: row.phone });
        if (row.balance === 0) c.processed++;
      } catch (e) {
        refused(row, e);
      }
    });
    await inParallel(p.rows.filter((r) => r.balance > 0 && ids.has(r.phone)), concurrency, async (row) => {
      const reason = `Перенос баланса при импорте клиентской базы (строка ${row.line})`;
      try {
        if (await ledger.grantKnown(tenantId, ids.get(row.phone)!, { points: row.balance, kind: 'import', key: `${p.fileId}:${row.phone}`, reason })) c.granted++;
        c.processed++;
      } catch (e) {
        refused(row, e);
      }
    });
    await stop();
    errors.sort((a, b) => a.line - b.line);
    existingRows.sort((a, b) => a.line - b.line);
    await ledger.updateImport(tenantId, id, c, { status: 'done', errors, existingRows });
  } catch (e) {
    await stop();
    await ledger.updateImport(tenantId, id, c, { status: 'failed', errors, error: (e as Error).message }).catch(() => {});
  }
  return c;
}

/** The row's customer: registered now, or the one holding its phone already. */
async function customerOf(ledger: Ledger, tenantId: string, p: Plan, row: ImportRow, c: ImportCounts): Promise<{ id: string; created: boolean }> {
  const known = p.existing.get(row.phone);
  if (known !== undefined) {
    c.existing++;
    return { id: known, created: false };
  }
  try {
    const id = await ledger.registerCustomerId(tenantId, row.customer);
    c.created++;
    return { id, created: true };
  } catch (e) {
    // Registered since the plan (by a till, or a parallel run of the same file).
    if (!isKopilkaError(e) || e.code !== 'PHONE_TAKEN') throw e;
    const id = (await ledger.customer(tenantId, { phone: row.phone })).id;
    c.existing++;
    return { id, created: false };
  }
}

async function inParallel<T>(items: T[], n: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
