import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

// Load from wrk (Debian's package): closed loop, each connection sends its next request when the
// answer to the last one came, so it measures the most a server does at a connection count and the
// latency at that load. Debian's wrk has no fixed-rate mode (-R is wrk2's, which Debian does not
// package). Request bodies come from the Lua scripts in loadtests/wrk/.

export const WRK = process.env.WRK ?? '/usr/bin/wrk';

/** Installs Debian's wrk when it is missing (needs root and apt); says so. */
export function ensureWrk(): void {
  if (existsSync(WRK)) return;
  console.log(`${WRK} is missing: installing Debian's wrk (apt-get install -y wrk)…`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => execFileSync(sudo.length > 0 ? 'sudo' : args[0]!, sudo.length > 0 ? args : args.slice(1), { stdio: 'inherit' });
  try {
    run(['apt-get', 'install', '-y', 'wrk']);
  } catch {
    run(['apt-get', 'update']);
    run(['apt-get', 'install', '-y', 'wrk']);
  }
  if (!existsSync(WRK)) throw new Error(`wrk is still missing at ${WRK}: install it (apt-get install wrk) or set WRK=/path/to/wrk`);
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Not answered 2xx/3xx (wrk counts status > 399), and socket errors/timeouts. */
  non2xx: number;
  errors: number;
  /** Milliseconds, from wrk's own latency histogram. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** CPU seconds the wrk process used (all its threads). */
  cpu: number;
}

/** `rate`: requests a second in all, held (body.lua's `rate:<per thread>`, split over the threads wrk runs). */
export async function wrk(o: { url: string; script: string; args: string[]; seconds: number; connections: number; threads: number; rate?: number }): Promise<WrkResult> {
  const threads = Math.max(1, Math.min(o.threads, o.connections));
  const args = o.rate === undefined ? o.args : [...o.args, `rate:${o.rate / threads}`];
  const child = spawn(WRK, ['-t', String(threads), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '10s', '-s', o.script, o.url, '--', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = /^BENCH_JSON (.*)$/m.exec(out);
  if (code !== 0 || line === null) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
  const j = JSON.parse(line[1]!) as Record<string, number>;
  const seconds = j.durationUs! / 1e6;
  return {
    requests: j.requests!,
    seconds,
    rps: j.requests! / seconds,
    non2xx: j.status!,
    errors: j.connect! + j.read! + j.write! + j.timeout!,
    p50: j.p50! / 1000,
    p99: j.p99! / 1000,
    p999: j.p999! / 1000,
    max: j.max! / 1000,
    cpu: j.cpuTicks! >= 0 ? j.cpuTicks! / 100 : NaN,
  };
}
