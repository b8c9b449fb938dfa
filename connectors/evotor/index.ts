import type { Connector } from '../kit/context.ts';
import { lifecycleRoutes } from './lifecycle.ts';
import { terminalRoutes } from './terminal.ts';
import { webhookRoutes } from './webhooks.ts';

// Эвотор: the webhooks Облако Эвотор sends to a partner server when a smart terminal closes a sale
// (SELL) or a return (PAYBACK). What the cloud sends and what we answer: PROTOCOL.md; the routes:
// webhooks.ts; a document into the ledger: recording.ts (through translate.ts); Evotor's error
// form: errors.ts. Every document is a closed check, recorded till-priced. The cloud app's
// lifecycle (user create/verify/token, installation and subscription events): lifecycle.ts; the
// server side of a terminal app (price and confirm an open receipt): terminal.ts.

export const evotor: Connector = { name: 'evotor', routes: (ctx) => [...webhookRoutes(ctx), ...lifecycleRoutes(ctx), ...terminalRoutes(ctx)] };

export { sameRecording } from './recording.ts';
