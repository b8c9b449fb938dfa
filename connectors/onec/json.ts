import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiResponse, type Call, type Method, type RouteSpec } from '../kit/route.ts';
import { headerKey, NO_KEY } from './credentials.ts';
import { jsonErrors } from './errors.ts';
import { callerOf, operations, type OnecCaller, type Written } from './operations.ts';
import { checkRequestSchema, jsonMoney, lookupSchema, parseRequest, refundSchema, registerSchema } from './protocol.ts';

// The operations of kopilka.wsdl over HTTP+JSON, for 1C's HTTPСоединение: the same names in JSON,
// amounts as decimal numbers or strings, the key as Bearer or a Basic password. Errors are the
// native form, fields named as in the WSDL. A written document answers 201, a replay 200, a
// document kept for review 202 (with Status "review").

const BASE = '/onec/v1';

const written = (w: Written): ApiResponse => ({ status: w.kind === 'recorded' ? 201 : w.kind === 'replay' ? 200 : 202, body: w.out });
const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

export function jsonRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const ops = operations(ctx);
  const m = jsonMoney;
  const onec = (method: Method, path: string, summary: string, root: string, f: (c: OnecCaller, call: Call<unknown>) => Promise<ApiResponse>) =>
    route({
      method,
      path: `${BASE}${path}`,
      summary,
      auth: 'channel:onec',
      credential: headerKey,
      missingCredential: NO_KEY,
      errors: jsonErrors(root),
      handler: async (call) => f(await callerOf(ctx, call), call),
    });
  return [
    onec('GET', '/customers', '1С: поиск клиента по телефону или карте', '', async (c, { req }) =>
      ok(await ops.findCustomer(c, parseRequest(lookupSchema, { Phone: req.query.phone, CardNumber: req.query.card }, 'поиск клиента'), m)),
    ),
    onec('POST', '/customers', '1С: регистрация клиента', '', async (c, { req }) => ok(await ops.registerCustomer(c, parseRequest(registerSchema, req.json(), 'клиент'), m), 201)),
    onec('GET', '/balance', '1С: баланс клиента', '', async (c, { req }) =>
      ok(await ops.balance(c, parseRequest(lookupSchema, { Phone: req.query.phone, CardNumber: req.query.card, CustomerId: req.query.id }, 'баланс'), m)),
    ),
    onec('POST', '/calculate', '1С: расчёт чека без записи', 'Check', async (c, { req }) =>
      ok(await ops.calculate(c, parseRequest(checkRequestSchema, { Check: req.json() }, 'чек 1С').Check, m)),
    ),
    onec('POST', '/commit', '1С: запись пробитого чека (один раз)', 'Check', async (c, { req }) =>
      written(await ops.commit(c, parseRequest(checkRequestSchema, { Check: req.json() }, 'чек 1С').Check, m)),
    ),
    onec('POST', '/refund', '1С: возврат по чеку продажи', '', async (c, { req }) => written(await ops.refund(c, parseRequest(refundSchema, req.json(), 'возврат 1С'), m))),
  ];
}
