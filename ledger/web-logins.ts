import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { KopilkaError } from './errors.ts';
import { secretHash } from './secrets.ts';

// The owner's login and password for the cabinet (migration 021). The password is hashed with
// scrypt (N=2^15, r=8, p=1: 32 MiB and ~0.2 s of a shared core a try, so a stolen table is slow to guess) and a
// 16-byte random salt. A sign-in opens the same kind of session as the admin key does, without a
// key behind it: it ends with its time, or when the password changes.

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n = N, r = R, p = P): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (e, k) => (e ? reject(e) : resolve(k))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A hash of nothing anyone knows: an unknown login costs the same time as a wrong password. */
let decoy: Promise<string> | null = null;

export interface LoginInfo {
  login: string;
  updatedAt: string;
}

export async function webLogin(pool: pg.Pool, tenantId: string): Promise<LoginInfo | null> {
  const r = await pool.query<{ login: string; updated_at: Date }>('SELECT login, updated_at FROM web_logins WHERE tenant_id = $1', [tenantId]);
  const row = r.rows[0];
  return row === undefined ? null : { login: row.login, updatedAt: row.updated_at.toISOString() };
}

/** Sets (or changes) the organisation's login and password; sessions opened by the old password end. Errors: INVALID_INPUT (the login is taken). */
export async function setWebLogin(pool: pg.Pool, tenantId: string, login: string, password: string): Promise<LoginInfo> {
  const hash = await hashPassword(password);
  try {
    await pool.query(
      `INSERT INTO web_logins (tenant_id, login, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET login = excluded.login, password_hash = excluded.password_hash, failures = 0, failed_at = NULL, updated_at = now()`,
      [tenantId, login, hash],
    );
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new KopilkaError('INVALID_INPUT', 'Этот логин уже занят: выберите другой', { field: 'login' });
    throw e;
  }
  await pool.query("DELETE FROM web_sessions WHERE tenant_id = $1 AND role = 'admin' AND key_hash IS NULL", [tenantId]);
  return (await webLogin(pool, tenantId))!;
}

export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 5;

/**
 * The organisation whose login and password these are, or null (unknown login or wrong password:
 * the same answer). After MAX_FAILURES wrong passwords in a row the login is locked for
 * LOCK_MINUTES. Errors: RATE_LIMITED (locked).
 */
export async function checkWebLogin(pool: pg.Pool, login: string, password: string): Promise<string | null> {
  const r = await pool.query<{ tenant_id: string; password_hash: string; locked: boolean }>(
    `SELECT tenant_id, password_hash, (failures >= $2 AND failed_at > now() - make_interval(mins => $3)) AS locked
       FROM web_logins WHERE lower(login) = lower($1)`,
    [login, MAX_FAILURES, LOCK_MINUTES],
  );
  const row = r.rows[0];
  if (row === undefined) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await passwordMatches(password, await decoy);
    return null;
  }
  if (row.locked) throw new KopilkaError('RATE_LIMITED', `Слишком много неверных паролей подряд: вход по этому логину закрыт на ${LOCK_MINUTES} минут. Войти можно ключом администратора`);
  const right = await passwordMatches(password, row.password_hash);
  await pool.query(
    right
      ? 'UPDATE web_logins SET failures = 0, failed_at = NULL WHERE tenant_id = $1'
      : // A lock that has run out starts the count afresh.
        `UPDATE web_logins SET failures = CASE WHEN failed_at > now() - make_interval(mins => ${LOCK_MINUTES}) THEN failures + 1 ELSE 1 END, failed_at = now() WHERE tenant_id = $1`,
    [row.tenant_id],
  );
  return right ? row.tenant_id : null;
}

/** An admin session opened by login (no key behind it); returns the token, never stored. */
export async function openLoginSession(pool: pg.Pool, tenantId: string, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await pool.query(
    `INSERT INTO web_sessions (tenant_id, token_hash, key_hash, role, store_id, customer_id, expires_at)
     VALUES ($1, $2, NULL, 'admin', NULL, NULL, now() + make_interval(secs => $3))`,
    [tenantId, secretHash(token), ttlSeconds],
  );
  return token;
}
