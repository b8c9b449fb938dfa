import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../ledger/index.ts';
import type { KeyStore } from './keys.ts';

// On the embedded default, the first start makes a demo tenant with an admin key and a cashier
// key, and keeps the secrets in the data folder (mode 600) so later starts can print them again.
// Production (DATABASE_URL set) gets no demo unless DEMO=1.

export interface Demo {
  tenantId: string;
  adminKey: string;
  cashierKey: string;
}

export async function ensureDemo(dataDir: string, ledger: Ledger, keys: KeyStore): Promise<Demo> {
  const file = join(dataDir, 'demo.json');
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Demo;
    const exists = await ledger.tenantExists(saved.tenantId);
    if (exists) return saved;
  } catch {
    // No demo yet, or its database was replaced: make a new one.
  }
  const t = await ledger.createTenant('Демо-кофейня', 'month');
  const demo: Demo = {
    tenantId: t.id,
    adminKey: await keys.create(t.id, 'admin', null, null),
    cashierKey: await keys.create(t.id, 'channel', 'api', 'shop-1'),
  };
  await writeFile(file, JSON.stringify(demo, null, 2));
  await chmod(file, 0o600);
  return demo;
}
