import { readFileSync } from 'node:fs';
import { parseGcLine, type Gc } from './gc-trace.ts';

// What V8's `--trace-gc-nvp` says about the gateway's collections, second by second:
//   GATEWAY_STDOUT=/tmp/gw.out GATEWAY_NODE_ARGS=--trace-gc-nvp BENCH_PHASES=http npm run bench
//   node --import tsx loadtests/gc-trace-summary.ts /tmp/gw.out [from-second to-second]
// For each 5 s of the gateway's life: young-generation collections (scavenges) and full ones,
// their pauses, what each scavenge promoted to the old generation, and the time spent finalising
// native objects' weak handles (issue #17: a Hash object per request made that a third of a pause).

function parse(text: string): Gc[] {
  return text.split('\n').flatMap((line) => parseGcLine(line) ?? []);
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const max = (xs: number[]) => (xs.length === 0 ? 0 : Math.max(...xs));
const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function summarise(gcs: Gc[], from: number, to: number): void {
  console.log('   s   scavenges  pause mean / max ms   promoted MB each   weak handles ms   full GCs (max pause ms)');
  const end = Math.min(to, Math.ceil(max(gcs.map((g) => g.atMs)) / 1000) + 1);
  for (let s = from; s < end; s += 5) {
    const w = gcs.filter((g) => g.atMs >= s * 1000 && g.atMs < (s + 5) * 1000);
    if (w.length === 0) continue;
    const sc = w.filter((g) => g.kind === 's');
    const full = w.filter((g) => g.kind !== 's');
    console.log(
      `${String(s).padStart(4)}   ${String(sc.length).padStart(9)}   ${fmt(mean(sc.map((g) => g.pause))).padStart(8)} / ${fmt(max(sc.map((g) => g.pause))).padEnd(8)}` +
        `   ${fmt(mean(sc.map((g) => g.promoted)) / 1e6, 2).padStart(16)}   ${fmt(mean(sc.map((g) => g.weakHandles)), 2).padStart(15)}   ${full.length} (${fmt(max(full.map((g) => g.pause)))})`,
    );
  }
}

const [file, from, to] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node --import tsx loadtests/gc-trace-summary.ts <gateway stdout with --trace-gc-nvp> [from-second to-second]');
  process.exit(2);
}
summarise(parse(readFileSync(file, 'utf8')), Number(from ?? 0), Number(to ?? 1e9));
