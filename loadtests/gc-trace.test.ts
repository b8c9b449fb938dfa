import { describe, expect, it } from 'vitest';
import { GcLog, parseGcLine } from './gc-trace.ts';

// Lines as Node 20's V8 prints them with --trace-gc-nvp (taken from a bench gateway's stdout and
// shortened: V8 prints some sixty fields a line).
const SCAVENGE =
  '[9812:0x19450fb0]       99 ms: pause=1.9 mutator=19.2 gc=s reduce_memory=0 heap.external_weak_global_handles=0.01 scavenge=1.84 ' +
  'total_size_before=4995544 total_size_after=4726384 allocated=641984 promoted=428376 new_space_survived=189144 promotion_rate=92.3%';
const FULL = '[9812:0x19450fb0]      562 ms: pause=6.0 mutator=28.5 gc=mc reduce_memory=0 allocated=2097152 promoted=0 total_size_before=9000000';

describe("V8's --trace-gc-nvp lines", () => {
  it('reads a scavenge and a full collection', () => {
    expect(parseGcLine(SCAVENGE)).toEqual({ atMs: 99, kind: 's', pause: 1.9, allocated: 641984, survived: 189144, promoted: 428376, weakHandles: 0.01 });
    expect(parseGcLine(FULL)).toMatchObject({ atMs: 562, kind: 'mc', pause: 6, allocated: 2097152 });
    expect(parseGcLine('Kopilka is running')).toBeNull();
  });

  it('sums a window per request, from lines that arrive split across chunks', () => {
    const log = new GcLog();
    const from = performance.now();
    const text = `${SCAVENGE}\n${SCAVENGE}\n${FULL}\nKopilka is running\n`;
    log.feed(text.slice(0, 50));
    log.feed(text.slice(50, 400));
    log.feed(text.slice(400));
    const to = from + 2000;
    // 2 × 641,984 + 2,097,152 bytes allocated over 1,024 requests: 3,381,120 / 1024 / 1024 = 3.2 KB.
    expect(log.perRequest(from, to, 1024)).toBe(
      'a request: 3.2 KB allocated, 0.4 KB outlived a scavenge, 0.8 KB promoted; 1.0 scavenges/s (2 ms/s paused), 1 full collection',
    );
    expect(log.perRequest(to + 1, to + 2, 1024)).toMatch(/^a request: 0.0 KB allocated/);
  });
});
