import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Secrets Kopilka must be able to use again (a МойСклад JSON API token, a webhook address to
// show once more) are kept sealed: AES-256-GCM under a key that never enters Postgres, so a
// leaked database or backup leaks no tenant's credentials. A secret that is only ever compared
// (a webhook secret in a URL) is found by its SHA-256, never by its text.

const VERSION = 'v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('SECRET_KEY: нужен ключ из 32 байт (base64 или hex)');
    this.key = Buffer.from(key);
  }

  /** "v1:" + base64url(nonce ‖ ciphertext ‖ tag); a fresh random nonce every time. */
  seal(plain: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return VERSION + Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64url');
  }

  /**
   * The plain text of a sealed value. A value without the version prefix was stored by an
   * earlier version in plain text: it is returned as it is (and should be sealed again).
   */
  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(VERSION.length), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([d.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]).toString('utf8');
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(VERSION);
}

/** What a compared-only secret is looked up by. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** SECRET_KEY as written in the environment: 32 bytes as 64 hex digits or base64 (either alphabet). */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64url') : null;
  if (key === null || key.length !== 32) throw new Error('SECRET_KEY: нужно 32 байта в base64 (44 символа) или hex (64 символа)');
  return key;
}

/**
 * The key from SECRET_KEY, else from DATA_DIR/secret-key, which is created (mode 0600) on first
 * start. Created by link(): of several processes starting at once, one file wins and all read it.
 */
export async function loadSecretKey(fromEnv: string | undefined, dataDir: string): Promise<Buffer> {
  if (fromEnv !== undefined) return parseSecretKey(fromEnv);
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'secret-key');
  try {
    return parseSecretKey(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  return parseSecretKey(await readFile(file, 'utf8'));
}
