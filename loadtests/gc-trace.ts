// V8's line per garbage collection (`node --trace-gc-nvp`), read: what the gateway allocated,
// what outlived a young-generation collection and what was promoted, and the pauses. Bytes a
// request allocates and promotes are the same from run to run where throughput and CPU time on
// this 2-core machine are not (issue #17), so they tell whether a change made less garbage.

export interface Gc {
  /** When the collection ended, ms since the gateway's V8 isolate started. */
  atMs: number;
  /** `s`: a scavenge (young generation); `mc` and others: a full collection. */
  kind: string;
  pause: number;
  /** Bytes allocated since the collection before. */
  allocated: number;
  /** Bytes a scavenge copied within the young generation (they outlived one collection). */
  survived: number;
  /** Bytes moved to the old generation. */
  promoted: number;
  /** ms spent finalising native objects' weak handles. */
  weakHandles: number;
}

export function parseGcLine(line: string): Gc | null {
  const at = /\]\s+(\d+) ms: /.exec(line);
  if (at === null || !line.includes('gc=')) return null;
  const f = new Map(line.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  const n = (k: string) => Number(f.get(k) ?? 0);
  return {
    atMs: Number(at[1]),
    kind: f.get('gc') ?? '?',
    pause: n('pause'),
    allocated: n('allocated'),
    survived: n('new_space_survived'),
    promoted: n('promoted'),
    weakHandles: n('heap.external_weak_global_handles'),
  };
}

/**
 * The collections of a gateway whose stdout is fed here, each stamped with when its line arrived
 * (performance.now() of this process), so that a phase's window needs no shared clock.
 */
export class GcLog {
  private readonly seen: { at: number; gc: Gc }[] = [];
  private partial = '';

  feed(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    const at = performance.now();
    for (const line of lines) {
      const gc = parseGcLine(line);
      if (gc !== null) this.seen.push({ at, gc });
    }
  }

  /** Per request over [from, to] (performance.now()): KB allocated, survived, promoted; scavenges and their pauses a second; full collections. */
  perRequest(from: number, to: number, requests: number): string {
    const w = this.seen.filter((x) => x.at >= from && x.at <= to).map((x) => x.gc);
    const seconds = (to - from) / 1000;
    const sc = w.filter((g) => g.kind === 's');
    const kb = (gcs: Gc[], f: (g: Gc) => number) => (gcs.reduce((s, g) => s + f(g), 0) / Math.max(1, requests) / 1024).toFixed(1);
    const full = w.length - sc.length;
    const paused = sc.reduce((s, g) => s + g.pause, 0);
    return (
      `a request: ${kb(w, (g) => g.allocated)} KB allocated, ${kb(sc, (g) => g.survived)} KB outlived a scavenge, ${kb(sc, (g) => g.promoted)} KB promoted; ` +
      `${(sc.length / seconds).toFixed(1)} scavenges/s (${(paused / seconds).toFixed(0)} ms/s paused), ${full} full collection${full === 1 ? '' : 's'}`
    );
  }
}
