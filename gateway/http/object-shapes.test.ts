import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// On V8 11 (Node 20) `{ ...x, more }` — a spread copy that then gains a property x did not have —
// makes a new hidden class on every call: 15 to 50 times slower than a literal, and garbage that
// outlives two young-generation collections. On every request's path that made each scavenge copy
// ~1 MB more and held the loop 5–10 ms instead of 2 (issue #17). These files are on that path for
// every request or every check; here they are kept free of the pattern. Build such objects field
// by field, or with Object.assign({}, x, { more }) (same keys, same order) where x is our own.

const HOT = [
  'gateway/http/router.ts',
  'gateway/http/uws-server.ts',
  'gateway/http/koa-server.ts',
  'gateway/http/enforce.ts',
  'gateway/front/consumer-loop.ts',
  'gateway/front/memory-front.ts',
  'ledger/account.ts',
  'ledger/promotion-rollups.ts',
  'ledger/rows.ts',
  'ledger/reads.ts',
  'ledger/check.ts',
  'ledger/check-shape.ts',
  'ledger/summary-cache.ts',
  'ledger/batch.ts',
  'ledger/persist.ts',
  'ledger/rollups.ts',
  'connectors/native/tills.ts',
];

/** Object literals that start with a spread and have anything after it (a property, or another spread). */
function spreadThenAdd(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node) && ts.isSpreadAssignment(node.properties[0] ?? node)) {
      if (node.properties.length > 1) found.push(`${file}:${src.getLineAndCharacterOfPosition(node.getStart(src)).line + 1}: ${node.getText(src).slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return found;
}

describe('objects on every request', () => {
  it('are not made as a spread copy that gains properties', () => {
    expect(HOT.flatMap(spreadThenAdd)).toEqual([]);
  });

  it('the check finds the pattern it is for', () => {
    expect(spreadThenAdd('gateway/http/object-shapes.fixture.ts')).toHaveLength(3);
  });
});
