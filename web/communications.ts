import { KopilkaError } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { Communications } from '../communications/service.ts';

// The cabinet's pages about messages need all of communications/ (the gateway hands it in as the
// connectors' `messages`); without it they answer one clear error.

export function comms(ctx: ConnectorContext): Communications {
  if (ctx.messages instanceof Communications) return ctx.messages;
  throw new KopilkaError('NOT_FOUND', 'Сообщения покупателям не запущены в этой Копилке');
}
