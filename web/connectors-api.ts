import QRCode from 'qrcode';
import { CHANNELS, parseInput, type Channel } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { joinQuery, joinSourceQuery, registrationSource } from './join-source.ts';
import { signedIn } from './session.ts';

// The cabinet's «Подключения»: per cash system, what is connected, read from what the ledger's
// face already keeps — the tenant's keys (a МойСклад solution linked in its window holds a live
// `moysklad` key, each Эвотор user linked holds a live `evotor` key), the connector settings (the
// МойСклад JSON API token, its webhook address), and the daily sales rollups by channel (the last
// day a check came from each). Plus the addresses this server gives each system, and the
// self-registration link with its source and QR code.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
const DAY = 86_400_000;

/** This server as the systems reach it: PUBLIC_URL, or the address the page was opened at. */
export function baseUrl(ctx: ConnectorContext, req: ApiRequest): string {
  return ctx.settings.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${req.headers.host}`;
}

interface ChannelState {
  channel: Channel;
  liveKeys: number;
  stores: string[];
  lastKeyAt: string | null;
  /** The last day (the tenant's calendar) with a sale or return from this channel, within a year. */
  lastCheckDay: string | null;
  checks30: number;
}

async function channelStates(ctx: ConnectorContext, tenantId: string): Promise<ChannelState[]> {
  const keys = (await ctx.ledger.tenantKeys(tenantId)).filter((k) => k.role === 'channel' && k.revokedAt === null);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  // Tomorrow as the end: the rollups' days are the tenant's, up to a day ahead of UTC.
  const rows = await ctx.ledger.salesReport(tenantId, { from: day(now - 365 * DAY), to: day(now + DAY), period: 'day', by: 'channel' });
  const since30 = day(now - 30 * DAY);
  return CHANNELS.map((channel) => {
    const mine = keys.filter((k) => k.channel === channel);
    const sold = rows.filter((r) => r.key === channel && r.checks + r.refunds > 0);
    return {
      channel,
      liveKeys: mine.length,
      stores: [...new Set(mine.map((k) => k.storeId).filter((s): s is string => s !== null))],
      lastKeyAt: mine.map((k) => k.createdAt).sort().at(-1) ?? null,
      lastCheckDay: sold.map((r) => r.period).sort().at(-1) ?? null,
      checks30: sold.filter((r) => r.period >= since30).reduce((a, r) => a + r.checks, 0),
    };
  });
}

async function moysklad(ctx: ConnectorContext, tenantId: string, base: string, linked: boolean) {
  const s = await ctx.ledger.connectorSettings<{ token?: string; webhookSecret?: string }>(tenantId, 'moysklad');
  return {
    /** The operator registered the catalogue solution (MOYSKLAD_APP_*): an account installs it with a click. */
    solutionOffered: ctx.settings.MOYSKLAD_APP_ID !== undefined && ctx.settings.MOYSKLAD_APP_SECRET !== undefined,
    /** The solution's window linked an account to this organisation (its till key is live). */
    linked,
    /** Kopilka holds the account's JSON API token (from the solution, or saved by hand). */
    tokenSet: Boolean(s?.token),
    /** Where МойСклад's webhooks for retail sales and returns point; null before the first token. */
    webhookUrl: s?.webhookSecret ? `${base}/moysklad/webhook/${s.webhookSecret}` : null,
    loyaltyUrl: `${base}/moysklad/loyalty`,
  };
}

export function connectorRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const owner = async (req: ApiRequest) => (await signedIn(ctx, req, 'admin')).tenantId;
  return [
    route({
      method: 'GET',
      path: '/web/api/connectors',
      summary: 'Кабинет: подключения — ключи и последние чеки по каналам, МойСклад, Эвотор, адреса для настройки',
      auth: 'public',
      handler: async ({ req }) => {
        const t = await owner(req);
        const base = baseUrl(ctx, req);
        const channels = await channelStates(ctx, t);
        const live = (c: Channel) => channels.find((x) => x.channel === c)!.liveKeys;
        return ok({
          base,
          publicUrlSet: ctx.settings.PUBLIC_URL !== undefined,
          posPort: ctx.settings.POS_PORT,
          channels,
          moysklad: await moysklad(ctx, t, base, live('moysklad') > 0),
          evotor: { appConfigured: ctx.settings.EVOTOR_APP_TOKEN !== undefined || ctx.settings.EVOTOR_APP_BASIC !== undefined, linkedUsers: live('evotor'), base: `${base}/evotor` },
          onec: { wsdl: `${base}/onec/soap?wsdl`, json: `${base}/onec/v1` },
          frontol: { url: `${base}/frontol/v1` },
          api: { url: `${base}/v1`, openapi: `${base}/openapi.json` },
        });
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/join-link',
      summary: 'Кабинет: ссылка самостоятельной регистрации с источником (?source=&store=) и её QR-код',
      auth: 'public',
      handler: async ({ req }) => {
        const t = await owner(req);
        const q = parseInput(joinSourceQuery, req.query, 'ссылка');
        const url = `${baseUrl(ctx, req)}/join/${encodeURIComponent(t)}${joinQuery(q.source, q.store)}`;
        const qrSvg = await QRCode.toString(url, { type: 'svg', margin: 1, width: 220 });
        return ok({ url, qrSvg, source: registrationSource(q.source, q.store) });
      },
    }),
  ];
}
