import type { ConnectorContext } from '../connectors/kit/context.ts';

// The consents a registration on these pages gives, kept by communications/ as history: to the
// processing of personal data (the required checkbox) and, only when ticked, to advertising.
// The proof is the confirmed SMS code where the path asked for one.

/** The version of the consent texts the pages show (the checkboxes in web/src/cashier/Workplace.tsx and web/src/customer/Join.tsx); a new text, a new version. */
export const CONSENT_TEXT_VERSION = 'kopilka-web-2026-11';

export async function recordConsents(ctx: ConnectorContext, tenantId: string, customerId: string, channel: string, codeConfirmed: boolean, advertising: boolean): Promise<void> {
  const proof = codeConfirmed ? { proof: 'телефон подтверждён кодом из SMS' } : {};
  await ctx.messages.consent(tenantId, customerId, { kind: 'processing', granted: true, textVersion: CONSENT_TEXT_VERSION, channel, ...proof });
  if (advertising) await ctx.messages.consent(tenantId, customerId, { kind: 'advertising', granted: true, textVersion: CONSENT_TEXT_VERSION, channel, ...proof });
}
