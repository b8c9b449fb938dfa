import { billingConnector } from '../billing/routes.ts';
import { communicationsConnector } from '../communications/routes.ts';
import type { Connector } from '../connectors/kit/context.ts';
import { evotor } from '../connectors/evotor/index.ts';
import { frontol } from '../connectors/frontol/index.ts';
import { moyskladConnector } from '../connectors/moysklad/index.ts';
import { native } from '../connectors/native/index.ts';
import { onec } from '../connectors/onec/index.ts';
import { reportsConnector } from '../reports/routes.ts';
import { web } from '../web/routes.ts';

// The connectors this gateway hosts, each from its own folder (connectors/<system>/). Their routes
// are enforced by gateway/http/enforce.ts and served on both ports.

export const HOSTED: Connector[] = [
  native,
  onec,
  moyskladConnector,
  frontol,
  evotor,
  billingConnector,
  communicationsConnector,
  reportsConnector,
  web,
];
