// Flags for the gateway's node, wherever it is started: `npm start` (package.json), the image
// (deploy/Dockerfile), the bench (loadtests/gateway-process.ts); POS processes inherit them.
// gateway/node-flags.test.ts keeps the three in step.
//
// A young generation of 64 MB semi-spaces instead of V8's 16 MB: a request's garbage (the body,
// the parsed check, the answer) then dies young instead of being promoted and marked with the
// old generation. Measured with `BENCH_PHASES=calculate npm run bench` (2 cores): gateway CPU
// per calculation 252 → 138 µs at 64 connections, 170 → 144 µs at 4; the heap grows by ~150 MB.
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64'] as const;
