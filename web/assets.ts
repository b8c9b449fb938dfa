import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse, RouteSpec } from '../connectors/kit/route.ts';
import { route } from '../connectors/kit/route.ts';

// The built pages (web/dist, made by `npm run build:web`, which `npm install` runs): index.html
// for every page's address (the app routes itself), hashed files under /assets/ cached for a year
// (their names change with their content), index.html never cached (it names the current ones).

export const DIST = fileURLToPath(new URL('./dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

// Read once per process: the files do not change under a running service. Only files that exist
// are kept: a caller asking for endless made-up names must not grow this map.
const cache = new Map<string, Buffer>();

async function distFile(name: string): Promise<Buffer | null> {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const read = await readFile(DIST + name).catch(() => null);
  if (read !== null) cache.set(name, read);
  return read;
}

async function indexPage(): Promise<ApiResponse> {
  const html = await distFile('index.html');
  if (html === null) {
    const text = '<!doctype html><meta charset="utf-8"><title>Копилка</title><p>Страницы не собраны: выполните <code>npm run build:web</code> (или <code>npm install</code>) и перезапустите сервис.</p>';
    return { status: 503, body: null, raw: text, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } };
  }
  return { status: 200, body: null, raw: html, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS } };
}

async function asset(file: string): Promise<ApiResponse> {
  // One path segment, a plain file name: nothing outside dist/assets can be named.
  const type = TYPES[extname(file)];
  const body = /^[\w.-]+$/.test(file) && !file.startsWith('.') && type !== undefined ? await distFile(`assets/${file}`) : null;
  if (body === null) return { status: 404, body: null, raw: 'not found', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  return { status: 200, body: null, raw: body, headers: { 'content-type': type!, 'cache-control': 'public, max-age=31536000, immutable', ...SECURITY_HEADERS } };
}

/** The addresses of the pages: each answers index.html, the app shows the page. */
const PAGES = ['/', '/cabinet', '/cabinet/:a', '/cabinet/:a/:b', '/cashier', '/cashier/:a', '/me', '/me/:a', '/join/:code', '/feedback/:id'];

export function assetRoutes(): RouteSpec<any>[] {
  return [
    ...PAGES.map((path) => route({ method: 'GET', path, summary: 'Страница (кабинет владельца, рабочее место кассира, кабинет клиента)', auth: 'public', handler: indexPage })),
    route({ method: 'GET', path: '/assets/:file', summary: 'Файлы страниц (JS, CSS)', auth: 'public', handler: async ({ req }) => asset(req.params.file!) }),
  ];
}
