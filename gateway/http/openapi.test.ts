import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../config/settings.ts';
import type { ConnectorContext } from '../../connectors/kit/context.ts';
import type { Ledger } from '../../ledger/index.ts';
import { HOSTED } from '../hosted.ts';
import { hostRoute, type Guard } from './enforce.ts';
import { openApiDocument, openApiPath, openApiRoute } from './openapi.ts';
import { Router } from './router.ts';

// /openapi.json is made from the routes themselves; this keeps it honest in CI: every hosted kit
// route is documented, every documented operation is a route the gateway serves, and the
// document is JSON that says it is OpenAPI 3.1.

const never = () => {
  throw new Error('not called while routes are declared');
};
const ctx: ConnectorContext = {
  ledger: new Proxy({}, { get: never }) as Ledger,
  settings: loadSettings({ OPERATOR_TOKEN: 'x'.repeat(32) }),
  messages: { sms: never, consent: never },
  log: { info: () => {}, warn: () => {} },
  unknownCredential: never,
  issueKey: never,
};
const guard: Guard = { authenticate: never, log: { warn: () => {}, error: () => {} } };

const hosted = HOSTED.map((c) => ({ name: c.name, routes: c.routes(ctx) }));
const routes = hosted.flatMap((c) => c.routes);
const router = new Router([...routes.map((r) => hostRoute(r, guard)), openApiRoute(hosted)]);
const text = JSON.stringify(openApiDocument(hosted));
const doc = JSON.parse(text) as { openapi: string; paths: Record<string, Record<string, any>>; components: { securitySchemes: Record<string, unknown> } };
const METHODS = ['get', 'post', 'put', 'delete'];

describe('the OpenAPI document', () => {
  it('is JSON that says openapi 3.1.0, and is what GET /openapi.json serves', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = await router.match('GET', '/openapi.json');
    expect(served).not.toBeNull();
    const res = await (served as Exclude<typeof served, null | 'wrong-method'>).route.handler({ method: 'GET', path: '/openapi.json', params: {}, query: {}, headers: {}, json: never });
    expect(res.raw).toBe(text);
  });

  it('documents every hosted route, each once', () => {
    expect(routes.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      expect(seen.has(key), `${key} declared twice`).toBe(false);
      seen.add(key);
      const op = doc.paths[openApiPath(r.path).path]?.[r.method.toLowerCase()];
      expect(op, `${key} missing from the document`).toBeDefined();
      expect(op.summary).toBe(r.summary);
      if (r.auth !== 'public') expect(Object.keys(op.security[0])[0]! in doc.components.securitySchemes).toBe(true);
      if (r.input !== undefined) expect(op.requestBody.content['application/json'].schema).toBeTypeOf('object');
    }
  });

  it('documents only routes the gateway serves', () => {
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        expect(METHODS).toContain(method);
        operations++;
        const concrete = path.replace(/\{[^}]+\}/g, 'sample');
        const m = router.match(method.toUpperCase(), concrete);
        expect(m !== null && m !== 'wrong-method' ? openApiPath(m.route.path).path : null, `${method} ${path}`).toBe(path);
      }
    }
    expect(operations).toBe(routes.length);
  });

  it('documents the native contract: the pricedBy flag, the review answer, errors and auth', () => {
    const commit = doc.paths['/v1/checks']!.post;
    expect(commit.security).toEqual([{ tenant: [] }]);
    const body = commit.requestBody.content['application/json'].schema;
    expect(body.properties.pricedBy.enum).toEqual(['till', 'kopilka']);
    expect(body.description).toMatch(/pricedBy: "till"/);
    expect(JSON.stringify(commit.responses['2XX'])).toContain('reviewId');
    expect(commit.responses.default.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(doc.paths['/v1/checks/{externalId}/refund']!.post.parameters).toEqual([{ name: 'externalId', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(doc.paths['/v1/tenants']!.post.security).toEqual([{ operator: [] }]);
    expect(doc.paths['/v1/review/{id}/resolve']!.post['x-kopilka-auth']).toBe('admin');
  });
});
