import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

// Where the CPU went during a phase, from /proc (user + system time, clock ticks of 1/100 s):
// the gateway and the POS processes it forked, and the Postgres processes serving the bench's
// database (its sessions plus the server's own: WAL writer, checkpointer…). A Postgres on
// another machine cannot be measured from here: its figure is NaN.

const TICK = 100;

function ticks(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

/** A process and its children (the gateway's POS processes when POS_PROCESSES > 1). */
export function processTree(root: number): number[] {
  const out = [root];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === root) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

export type Snapshot = Map<number, number>;

export function snapshot(pids: readonly number[]): Snapshot {
  const s: Snapshot = new Map();
  for (const p of pids) {
    const t = ticks(p);
    if (t !== null) s.set(p, t);
  }
  return s;
}

/** CPU seconds used between two snapshots (a process that appeared in between counts from zero). */
export function cpuSeconds(before: Snapshot, after: Snapshot): number {
  let t = 0;
  for (const [pid, v] of after) t += v - (before.get(pid) ?? 0);
  return t / TICK;
}

/**
 * The Postgres processes of one database's sessions, and the server's own (WAL writer,
 * checkpointer, background writer: no datname); not other databases' sessions or autovacuum.
 * Null when Postgres is not on this machine.
 */
export async function postgresPids(adminUrl: string, database: string): Promise<{ sessions: number[]; server: number[] } | null> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ pid: number; ours: boolean }>(`SELECT pid, datname IS NOT NULL AS ours FROM pg_stat_activity WHERE (datname = $1 OR datname IS NULL) AND pid IS NOT NULL`, [database]);
    const local = r.rows.filter((x) => {
      try {
        return readFileSync(`/proc/${x.pid}/comm`, 'utf8').trim().startsWith('postgres');
      } catch {
        return false;
      }
    });
    if (local.length === 0) return null;
    return { sessions: local.filter((x) => x.ours).map((x) => x.pid), server: local.filter((x) => !x.ours).map((x) => x.pid) };
  } finally {
    await c.end();
  }
}

export interface Measured<T> {
  value: T;
  /** CPU seconds of the database's Postgres sessions, and of the server's background processes (NaN when not local). */
  postgres: number;
  postgresServer: number;
  /** Of the processes `pids` names, and of this process. */
  pids: number;
  self: number;
}

/** Measures the CPU of Postgres (for one database), the given processes, and this process, over `f`. */
export async function measured<T>(o: { adminUrl: string; database: string; pids: () => number[] }, f: () => Promise<T>): Promise<Measured<T>> {
  const pg0 = await postgresPids(o.adminUrl, o.database);
  const before = { sessions: snapshot(pg0?.sessions ?? []), server: snapshot(pg0?.server ?? []), pids: snapshot(o.pids()), self: process.cpuUsage() };
  const value = await f();
  const self = process.cpuUsage(before.self);
  const pg1 = await postgresPids(o.adminUrl, o.database);
  const local = pg0 !== null && pg1 !== null;
  return {
    value,
    postgres: local ? cpuSeconds(before.sessions, snapshot(pg1.sessions)) : NaN,
    postgresServer: local ? cpuSeconds(before.server, snapshot(pg1.server)) : NaN,
    pids: cpuSeconds(before.pids, snapshot(o.pids())),
    self: (self.user + self.system) / 1e6,
  };
}
