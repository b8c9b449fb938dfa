// Why the request path builds its objects field by field (issue #17; gateway/http/object-shapes.test.ts):
//   node --max-semi-space-size=64 --import tsx loadtests/object-shapes-bench.ts
// For 2 s each, objects made the ways the router made its error outcome, counted, with what the
// young-generation collections promoted meanwhile (v8.GCProfiler). On Node 20 (V8 11) the spread
// copy that gains a property is the slow one and fills the old generation.
import { GCProfiler } from 'node:v8';

const outcome = (i: number) => ({ status: 404, text: `x${i}`, headers: {} as Record<string, string> });

const ways: Record<string, (i: number) => { status: number }> = {
  'spread, then a new property    { ...o, route }': (i) => ({ ...outcome(i), route: 'u' }),
  'spread copy, property set after': (i) => {
    const o: Record<string, unknown> & { status: number } = { ...outcome(i) };
    o.route = 'u';
    return o;
  },
  'spread overriding a property   { ...o, text }': (i) => ({ ...outcome(i), text: 'y' }),
  'Object.assign({}, o, { route })': (i) => Object.assign({}, outcome(i), { route: 'u' }),
  'field by field': (i) => {
    const o = outcome(i);
    return { status: o.status, text: o.text, headers: o.headers, route: 'u' };
  },
};

async function measure(make: (i: number) => { status: number }): Promise<{ perSecond: number; promotedMb: number }> {
  const gc = new GCProfiler();
  gc.start();
  const until = Date.now() + 2000;
  let n = 0;
  let sink = 0;
  while (Date.now() < until) {
    for (let k = 0; k < 2000; k++) sink += make(n++).status;
    await new Promise((r) => setImmediate(r)); // let collections run as they would between requests
  }
  const stats = gc.stop()?.statistics ?? [];
  const old = (s: (typeof stats)[number]['beforeGC']) => s.heapSpaceStatistics.find((x) => x.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  const promoted = stats.filter((s) => s.gcType === 'Scavenge').reduce((sum, s) => sum + Math.max(0, old(s.afterGC) - old(s.beforeGC)), 0);
  if (sink === 0) console.log('');
  return { perSecond: n / 2, promotedMb: promoted / 1e6 };
}

const base = await measure(ways['field by field']!);
console.log(`Node ${process.version} (V8 ${process.versions.v8}), 2 s each\n`);
for (const [name, make] of Object.entries(ways)) {
  const r = name === 'field by field' ? base : await measure(make);
  console.log(`  ${name.padEnd(48)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} /s   ${(r.perSecond / base.perSecond).toFixed(2).padStart(5)}× field by field   promoted ${r.promotedMb.toFixed(1).padStart(6)} MB`);
}
