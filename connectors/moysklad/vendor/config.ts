import type { ConnectorContext } from '../../kit/context.ts';
import { KopilkaError } from '../../../ledger/index.ts';

// The solution's identity in МойСклад's catalogue, from the settings. Without it the Vendor API's
// endpoints answer 404 saying what to set: a service that is not a catalogue solution still starts.

export interface VendorConfig {
  appId: string;
  appUid: string;
  secret: string;
  appsApiUrl: string;
  /** Where МойСклад's tills reach this service; null: PUBLIC_URL not set. */
  publicUrl: string | null;
}

export function vendorConfig(s: ConnectorContext['settings']): VendorConfig {
  if (s.MOYSKLAD_APP_ID === undefined || s.MOYSKLAD_APP_SECRET === undefined || s.MOYSKLAD_APP_UID === undefined) {
    throw new KopilkaError(
      'NOT_FOUND',
      'Решение для МоегоСклада не настроено на этом сервере: задайте MOYSKLAD_APP_ID, MOYSKLAD_APP_UID и MOYSKLAD_APP_SECRET из личного кабинета разработчика (connectors/moysklad/vendor/INSTALL.md)',
    );
  }
  return {
    appId: s.MOYSKLAD_APP_ID,
    appUid: s.MOYSKLAD_APP_UID,
    secret: s.MOYSKLAD_APP_SECRET,
    appsApiUrl: s.MOYSKLAD_APPS_API_URL,
    publicUrl: s.PUBLIC_URL === undefined ? null : s.PUBLIC_URL.replace(/\/+$/, ''),
  };
}
