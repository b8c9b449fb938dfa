import { z } from 'zod';

// Where a self-registration came from: the shop's link may carry `?source=<code>` (a campaign, a
// poster, a site) and/or `?store=<id>` (the shop whose QR it is). The customer's registration
// source becomes `self:<source>`, `self:store-<id>` or `self:<source>.store-<id>` — the reports'
// «attraction by source» counts each apart — and plain `self` without either. The `self` prefix is
// what keeps the self-registration gift (customer-api.ts).

export const SOURCE_CODE = z.string().regex(/^[\w-]{1,10}$/, 'код: латинские буквы, цифры, - и _, до 10 знаков');

export const joinSourceQuery = z.object({ source: SOURCE_CODE.nullish(), store: SOURCE_CODE.nullish() });

/** The customer's `source` for a registration by a link with these parameters (at most 32 characters). */
export function registrationSource(source: string | null | undefined, store: string | null | undefined): string {
  const parts = [source, store ? `store-${store}` : null].filter((x): x is string => Boolean(x));
  return parts.length === 0 ? 'self' : `self:${parts.join('.')}`;
}

/** The link's query string for these parameters ('' without either). */
export function joinQuery(source: string | null | undefined, store: string | null | undefined): string {
  const q = new URLSearchParams();
  if (source) q.set('source', source);
  if (store) q.set('store', store);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
