import type { Connector } from './connector.ts';
import { evotorConnector } from './evotor.ts';
import { frontolConnector } from './frontol.ts';
import { moyskladConnector } from './moysklad.ts';
import { onecConnector } from './onec.ts';

export const CONNECTORS: Connector[] = [onecConnector, moyskladConnector, frontolConnector, evotorConnector];
