import type { Connector } from '../connectors/kit/context.ts';

// The connectors this gateway hosts, each from its own folder (connectors/<system>/). Their routes
// are enforced by gateway/http/enforce.ts and served on both ports.

export const HOSTED: Connector[] = [
  // native
  // onec
  // moysklad
  // frontol
  // evotor
];
