import { createHash } from 'node:crypto';
import type pg from 'pg';
import { arrayLiteral } from './array-literal.ts';

// The writer's statements, and the reads' customer record (reads.ts), as named prepared
// statements: Postgres parses and plans each text once per connection instead of on every batch
// or read. The batch's write is one statement of some twenty CTEs; at batches of five checks its
// parse and plan were about a fifth of Postgres's CPU per check, and a customer's record read for
// a till half of Postgres's time per read (README, "Speed"). A name is the text's digest, so a
// changed text is a new statement.
// Off (PG_PREPARED_STATEMENTS=0) for a pooler that cannot keep them (PgBouncer in transaction
// mode before 1.21, or without max_prepared_statements). Either way the batch's arrays go as
// literals made here (below).

/** Texts named so far. The writer has a handful; past this many, texts go unnamed (no plan piles up in Postgres). */
const MOST_NAMED = 64;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MOST_NAMED) return known;
  const name = `kopilka_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/** A statement as pg takes it: named by its text's digest when `named` (and fewer than MOST_NAMED texts are), else unnamed. */
export function statement(text: string, values: unknown[], named: boolean): pg.QueryConfig {
  const name = named ? nameOf(text) : undefined;
  return name === undefined ? { text, values } : { name, text, values };
}

/**
 * The batch's client, whose `query(text, values)` sends every array among the values as one
 * literal made by array-literal.ts (pg quoted each element through its own encoder: the batch's
 * lookups by id, phone and check were a third of what a commit's binding allocated; issue #17),
 * and, when `named`, runs each text as a named statement. Only `query` is taken over: the batch
 * calls nothing else on its client.
 */
export function batchClient(client: pg.PoolClient, named: boolean): pg.PoolClient {
  const wrapped = Object.create(client) as pg.PoolClient;
  wrapped.query = ((text: string, values?: unknown[]) => {
    return client.query(statement(text, values?.map(literalIfArray) ?? [], named));
  }) as pg.PoolClient['query'];
  return wrapped;
}

/** An array of plain values as its literal; anything else (and an array arrayLiteral declines) as it is, for pg. */
function literalIfArray(v: unknown): unknown {
  return Array.isArray(v) ? (arrayLiteral(v) ?? v) : v;
}
