import { KopilkaError } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { Communications } from './service.ts';

// The gateway hands the whole messages service in as the connectors' `messages` (a narrower
// consent/SMS face otherwise); routes that need all of it — messages, chains, feedback, their
// reports and pages — take it from here, or answer one clear error when it is not running.

export function communicationsOf(ctx: ConnectorContext): Communications {
  if (ctx.messages instanceof Communications) return ctx.messages;
  throw new KopilkaError('NOT_FOUND', 'Сообщения покупателям не запущены в этой Копилке');
}
