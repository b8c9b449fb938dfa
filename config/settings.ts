import { z } from 'zod';

// Every setting comes from the environment, validated once at start; a wrong value stops the
// service with a message that names the variable.

const port = z.coerce.number().int().min(0).max(65535);
const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/).default('kp'),
  HOST: z.string().default('0.0.0.0'),
  POS_PORT: port.default(8080),
  API_PORT: port.default(8081),
  OPERATOR_TOKEN: z.string().min(16, 'не короче 16 символов').optional(),
  BILLING_TOKEN: z.string().min(16).optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: port.default(54329),
  /** Worker threads for rule evaluation of batches; 0 evaluates inline. */
  WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  PG_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(12),
  WRITER_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  WRITER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  /** The writer's statements as named prepared statements; 0 for a pooler that cannot keep them (PgBouncer in transaction mode before 1.21). */
  PG_PREPARED_STATEMENTS: z.enum(['0', '1']).default('1'),
  /** Requests a second per key before 429; bursts up to twice as much pass. */
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).default(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Processes serving the POS port (one event loop each); more than 1 needs REDIS_URL. */
  POS_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /** SMS.ru account (https://sms.ru/api/send) for codes and notifications; none: SMS are refused. */
  SMSRU_API_ID: z.string().min(8).optional(),
  SMSRU_URL: z.string().url().default('https://sms.ru'),
  SMS_FROM: z.string().max(11).optional(),
  /** Where the other providers' APIs are (communications/): stand-ins in tests. */
  SMSC_URL: z.string().url().default('https://smsc.ru'),
  TELEGRAM_API_URL: z.string().url().default('https://api.telegram.org'),
  /** Most messages a second per provider (SMS.ru, SMSC, SMTP, Telegram) the sending worker sends. */
  MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(20),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the usage counters are recounted from Postgres (usage_months); 0: never (events alone keep them). */
  USAGE_RECONCILE_MINUTES: z.coerce.number().int().min(0).max(1440).default(10),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  DEMO: z.enum(['0', '1']).optional(),
  /**
   * The address tills and cash systems reach this service by (https://loyalty.example.ru): the
   * WSDL's endpoint and the addresses shown to integrators. Never taken from a request's Host.
   */
  PUBLIC_URL: z.string().url().optional(),
  /**
   * Key that encrypts secrets at rest (МойСклад/Эвотор tokens, webhook secrets): 32 bytes as
   * base64 or hex. Without it a key is generated and kept in DATA_DIR/secret-key.
   */
  SECRET_KEY: z.string().min(32).optional(),
  /**
   * Hosts the МойСклад JSON API may be called at (comma-separated). Only the owner's documented
   * host by default; tests add their loopback stand-in here. Nothing else is ever called.
   */
  MOYSKLAD_API_HOSTS: z.string().default('api.moysklad.ru'),
  /** The solution's id in МойСклад's catalogue (UUID, developer's account); without it the Vendor API is off. */
  MOYSKLAD_APP_ID: z.string().uuid('UUID решения из личного кабинета разработчика МойСклад').optional(),
  /** The solution's appUid («алиас_решения.алиас_разработчика»): the `sub` of our calls to МойСклад. */
  MOYSKLAD_APP_UID: z.string().min(3).optional(),
  /** The solution's secret key (signs the Vendor API's JWT both ways, HS256). */
  MOYSKLAD_APP_SECRET: z.string().min(16, 'секретный ключ решения из личного кабинета разработчика МойСклад').optional(),
  /** МойСклад's apps API (Vendor API, its side); tests point it at their loopback stand-in. */
  MOYSKLAD_APPS_API_URL: z.string().url().default('https://apps-api.moysklad.ru'),
  /** The JSON API the catalogue solution's token is used at (sync, webhooks); tests point it at their stand-in (listed in MOYSKLAD_API_HOSTS). */
  MOYSKLAD_API_URL: z.string().url().default('https://api.moysklad.ru/api/remap/1.2'),
  /**
   * Эвотор cloud app: the «токен приложения» set at dev.evotor.ru (Интеграция) that the cloud sends
   * on /api/v1/user/create, /verify and /token (Bearer). Without it (and without the Basic pair)
   * those routes are refused.
   */
  EVOTOR_APP_TOKEN: z.string().min(16, 'токен приложения Эвотор: не короче 16 символов').optional(),
  /** The same routes authorised by Basic instead: «login:password» as set at dev.evotor.ru. */
  EVOTOR_APP_BASIC: z.string().regex(/^[^:]+:.{8,}$/, 'логин:пароль (пароль не короче 8 символов)').optional(),
  /** A client that has not sent its request headers by then is disconnected (slowloris). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** A whole request (headers and body) must arrive within this time. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Authentication attempts with unknown keys a second per client address before 429. */
  UNKNOWN_KEY_RATE: z.coerce.number().int().min(1).default(20),
});

export type Settings = z.output<typeof schema>;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const r = schema.safeParse(env);
  if (r.success) {
    if (r.data.POS_PROCESSES > 1 && r.data.REDIS_URL === undefined) {
      // Each process would have its own rate limits, stored answers and customer cache, and a
      // summary cached by one would not see another's commits.
      throw new Error('Kopilka: invalid settings in the environment:\n  POS_PROCESSES: больше одного процесса работает только с общим REDIS_URL');
    }
    return r.data;
  }
  const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`Kopilka: invalid settings in the environment:\n${lines.join('\n')}`);
}
