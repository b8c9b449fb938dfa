import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

// Where a gateway's CPU went, from a V8 .cpuprofile (node --cpu-prof; the bench passes
// GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" to its gateway):
//   node --import tsx loadtests/profile-summary.ts DIR/CPU.*.cpuprofile [top]
// Prints self time by area (our folders, each library, Node's internals, GC, idle) and the
// functions with the most self time. Self time: where the CPU was, not who called it.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = process.cwd();

/** The area a frame belongs to: a folder of ours, a package, Node's own code, or V8's pseudo-frames. */
function areaOf(f: ProfileNode['callFrame']): string {
  if (f.url === '') {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)') return 'idle';
    if (f.functionName === '(program)') return 'V8 / native (program)';
    return `native: ${f.functionName || '(anonymous)'}`;
  }
  const url = f.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const rel = relative(ROOT, url);
  return rel.startsWith('..') ? url : rel.split('/').slice(0, rel.includes('/') ? 2 : 1).join('/');
}

function summarise(path: string, top: number): void {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0, idle = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const area = areaOf(f);
    total += us;
    if (area === 'idle') idle += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = `${f.functionName || '(anonymous)'}  ${f.url ? `${relative(ROOT, f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (x: number) => `${((x / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(`${path}\n  ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)} %); shares below are of the busy time\n`);
  console.log('  by area (self time)');
  for (const [a, us] of [...areas].filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`    ${pct(us)}  ${a}`);
  console.log('\n  functions (self time)');
  for (const [f, us] of [...fns].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`    ${pct(us)}  ${f}`);
}

const [path, top] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: node --import tsx loadtests/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
summarise(path, Number(top ?? 25));
