import { createHash } from 'node:crypto';
import type pg from 'pg';

// The writer's statements as named prepared statements: Postgres parses and plans each text once
// per connection instead of on every batch. The batch's write is one statement of some twenty
// CTEs; at batches of five checks its parse and plan were about a fifth of Postgres's CPU per
// check (README, "Speed"). A name is the text's digest, so a changed text is a new statement.
// Off (PG_PREPARED_STATEMENTS=0) for a pooler that cannot keep them (PgBouncer in transaction
// mode before 1.21, or without max_prepared_statements).

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

/**
 * The batch's client, whose `query(text, values)` runs each text as a named statement. Only
 * `query` is taken over: the batch calls nothing else on its client.
 */
export function preparing(client: pg.PoolClient): pg.PoolClient {
  const named = Object.create(client) as pg.PoolClient;
  named.query = ((text: string, values?: unknown[]) => {
    const name = nameOf(text);
    return client.query(name === undefined ? { text, values } : { name, text, values });
  }) as pg.PoolClient['query'];
  return named;
}
