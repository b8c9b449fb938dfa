import { KopilkaError, type KopilkaEvent, type Ledger } from '../ledger/index.ts';
import type { SmsSender } from './sms.ts';

// One SMS for a tenant: sent through the provider, then recorded through the ledger's face
// (billing counts what the provider accepted) and announced on the event stream (metering,
// notifications).

export interface Messenger {
  sms(tenantId: string, topic: string, phone: string, text: string, customerId: string | null): Promise<string>;
}

export function messenger(ledger: Pick<Ledger, 'recordSms'>, sender: SmsSender | null, publish: (events: KopilkaEvent[]) => void): Messenger {
  return {
    async sms(tenantId, topic, phone, text, customerId) {
      if (sender === null) {
        throw new KopilkaError('SMS_NOT_CONFIGURED', 'Отправка SMS не настроена в Копилке (SMSRU_API_ID): проведите операцию без кода', { topic });
      }
      const id = await sender.send(phone, text);
      await ledger.recordSms(tenantId, topic, phone, customerId);
      publish([{ type: 'sms', tenantId, customerId, data: { topic, providerId: id }, at: new Date().toISOString() }]);
      return id;
    },
  };
}
