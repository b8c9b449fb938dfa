import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKopilkaError } from '../ledger/errors.ts';
import { migrate } from '../ledger/migrate.ts';
import { requestHash } from '../ledger/operations.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { bearerToken, KeyStore } from './keys.ts';

// Keys and checks are hashed one-shot (crypto.hash) since issue #17, where createHash had been
// used: the digests Postgres already holds (api_keys.key_hash, checks' request hashes) must be
// the very ones the new code makes, or every existing key would stop working and every replayed
// check would be refused as a different one.

const OPERATOR = 'keys-test-operator-token-0123456789';
const oldKeyHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('kpkeys');
  await migrate(db.pool);
  await db.pool.query(`INSERT INTO tenants (id, name, program) VALUES ('t_keys', 'Ключи', '{}')`);
});
afterAll(async () => {
  await db?.drop();
});

const refusal = async (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (isKopilkaError(e) ? e.code : String(e)));

describe('the key in Authorization', () => {
  it('is what the regular expression finds, whatever the header', () => {
    const part = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', ' ', '  ', '\t', '\u00a0', 'kp_cashier_', 'AbC-_09', 'é', 'ключ', ':', '');
    const header = fc.oneof(fc.array(part, { maxLength: 6 }).map((p) => p.join('')), fc.string(), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(header, (h) => {
        expect(bearerToken(h)).toBe(/^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] ?? null);
      }),
      { numRuns: 20_000 },
    );
    expect(bearerToken('Bearer kp_cashier_abc')).toBe('kp_cashier_abc');
    expect(bearerToken('Bearer kp abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('key digests', () => {
  it('a key stored as earlier versions stored it is accepted, again and again; another is refused', async () => {
    const secret = 'kp_pos_earlier-version-secret-abcdefghijklmnop';
    await db.pool.query(`INSERT INTO api_keys (tenant_id, key_hash, role, channel) VALUES ('t_keys', $1, 'channel', 'pos')`, [oldKeyHash(secret)]);
    const keys = new KeyStore(db.pool, OPERATOR, undefined);
    for (let i = 0; i < 3; i++) {
      expect(await keys.authenticate(`Bearer ${secret}`)).toEqual({ kind: 'channel', tenantId: 't_keys', channel: 'pos', storeId: null });
    }
    expect(await refusal(keys.authenticate(`Bearer ${secret}x`))).toBe('UNAUTHORIZED');
    expect(await keys.authenticate(`Bearer ${OPERATOR}`)).toEqual({ kind: 'operator' });
    expect(await refusal(keys.authenticate(`Bearer ${OPERATOR.slice(1)}`))).toBe('UNAUTHORIZED');
  });

  it('a key made now is stored with the digest earlier versions made', async () => {
    const keys = new KeyStore(db.pool, OPERATOR, undefined);
    const secret = await keys.create('t_keys', 'admin', null, null);
    const r = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM api_keys WHERE key_hash = $1', [oldKeyHash(secret)]);
    expect(r.rows[0]!.n).toBe('1');
  });

  it("a check's request hash is the one earlier versions stored", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(requestHash(v)).toBe(createHash('sha256').update(JSON.stringify(v)).digest('base64url'));
      }),
      { numRuns: 2000 },
    );
  });
});
