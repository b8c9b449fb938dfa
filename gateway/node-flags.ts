// Flags for the gateway's node, wherever it is started: `npm start` (package.json), the image
// (deploy/Dockerfile), the bench (loadtests/gateway-process.ts); POS processes inherit them.
// gateway/node-flags.test.ts keeps the three in step.
//
// A young generation of 64 MB semi-spaces instead of V8's 16 MB: a request's garbage (the body,
// the parsed check, the answer) then dies young instead of being promoted and marked with the
// old generation. Measured with `BENCH_PHASES=calculate npm run bench` (2 cores): gateway CPU
// per calculation 252 → 138 µs at 64 connections, 170 → 144 µs at 4; the heap grows by ~150 MB.
//
// No allocation-site pretenuring: V8 moves a literal's allocation straight into the old generation
// once most of what it made outlived a scavenge. customerFromRow's and lotFromRow's literals serve
// both the reads' long-lived caches and a batch's short-lived state, so they were pretenured (as
// `--trace-pretenuring-statistics` shows) and every batch's rows went to the old generation, where
// a dead object still holds its young strings and arrays alive through scavenges until the next
// full collection. Without it (`BENCH_GC=1 COMMIT_RATE=1000 BENCH_PHASES=commit npm run bench`,
// three runs of each): promoted a commit 4.0–4.1 against 7.9–8.5 KB at 1,000/s, 4.5–4.8 against
// 6.3–6.6 KB at 256 connections; scavenge pauses 13–14 against 19–20 ms a second at 1,000/s;
// calculations unchanged (README, "The thirteenth pass").
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64', '--no-allocation-site-pretenuring'] as const;
