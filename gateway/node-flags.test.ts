import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './node-flags.ts';

// The gateway's node flags are written in three places that cannot import them: each must carry them.
describe('the gateway node flags', () => {
  it('are in npm start, the image and the bench', () => {
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const image = readFileSync('deploy/Dockerfile', 'utf8');
    const bench = readFileSync('loadtests/gateway-process.ts', 'utf8');
    for (const flag of GATEWAY_NODE_FLAGS) {
      expect(start).toContain(flag);
      expect(image).toContain(`"${flag}"`);
    }
    expect(bench).toContain('GATEWAY_NODE_FLAGS');
  });
});
