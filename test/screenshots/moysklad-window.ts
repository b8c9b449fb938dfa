// The solution's window as a МойСклад administrator sees it, before and after linking, taken with
// Debian's Chromium against the stand-ins (loopback only) for INSTALL.md and the README:
//   KOPILKA_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/screenshots/moysklad-window.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startMoySkladStandIn } from '../../connectors/moysklad/standin.ts';
import { startVendorStandIn } from '../../connectors/moysklad/vendor-standin.ts';
import { call, startTestService } from '../service.ts';

const APP = '5f3c5489-6a17-48b7-9fe5-b2000eb807fe';
const ACCOUNT = 'f088b0a7-9490-4a57-b804-393163e7680f';
const APP_UID = 'kopilka.example-vendor';
const SECRET = randomBytes(24).toString('hex');
const install = JSON.parse(readFileSync(new URL('../../connectors/moysklad/fixtures/vendor/activate-install.request.json', import.meta.url), 'utf8'));

// Asynchronously: the page is served by this very process.
async function shoot(url: string, file: string): Promise<void> {
  await promisify(execFile)('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--hide-scrollbars', '--window-size=820,620', `--screenshot=${file}`, url]);
  console.log(`wrote ${file}`);
}

const ms = await startVendorStandIn({ appId: APP, appUid: APP_UID, secret: SECRET });
const js = await startMoySkladStandIn(install.access[0].access_token);
const env = { SECRET_KEY: randomBytes(32).toString('base64'), MOYSKLAD_APP_ID: APP, MOYSKLAD_APP_UID: APP_UID, MOYSKLAD_APP_SECRET: SECRET, MOYSKLAD_APPS_API_URL: ms.url, MOYSKLAD_API_URL: js.url, MOYSKLAD_API_HOSTS: `http://${new URL(js.url).host}`, PUBLIC_URL: 'https://pos.kopilka.example.ru' };
const s = await startTestService({ redis: false, env });
try {
  await ms.activate(s.api, ACCOUNT);
  const window = () => `${s.api}/moysklad/vendor/window?contextKey=${ms.contextKey(ACCOUNT)}&appUid=${APP_UID}&appId=${APP}`;
  const dir = new URL('../../connectors/moysklad/vendor/', import.meta.url).pathname;
  await shoot(window(), `${dir}window.png`);
  const html = await (await fetch(window())).text();
  const session = /data-session="([^"]+)"/.exec(html)![1];
  const linked = await call(s.api, 'POST', '/moysklad/vendor/window/tenant', null, { session, name: 'Кофейня «Зерно»' });
  console.log('linked:', JSON.stringify({ ...linked.body, adminKey: '…' }));
  await shoot(window(), `${dir}window-linked.png`);
} finally {
  await s.stop();
  await js.close();
  await ms.close();
}
