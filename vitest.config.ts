import { defineConfig } from 'vitest/config';

// The files that measure the event loop under a flood (the SOAP guard and the fuzz suite), and the
// stop under load (its drain waits for 250 ms without a request, which a neighbour's load on 2
// cores stretches until a request sent in time looks late), run after everything else, one at a time.
const TIMED = ['connectors/onec/soap-guard.test.ts', 'test/fuzz.test.ts', 'gateway/shutdown.test.ts'];

const shared = {
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Files share one Postgres server but each has its own database; two at a time fits 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      { test: { ...shared, name: 'kopilka', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**', ...TIMED] } },
      ...TIMED.map((file, i) => ({ test: { ...shared, name: `timed-${i + 1}`, include: [file], sequence: { groupOrder: i + 1 } } })),
    ],
  },
});
