import { z } from 'zod';
import { isCalendarDate, KopilkaError, parseInput, unsafeTextReason, type CheckInput, type CheckResult, type CustomerRef, type CustomerSummary, type RefundResult } from '../../ledger/index.ts';
import { fromMinor, minorToNumber, toMinor } from '../kit/decimal.ts';

// 1C:Enterprise ↔ the common Check. One vocabulary for both transports: the SOAP service of
// kopilka.wsdl (values arrive as XML text: every xs:decimal, xs:long and xs:dateTime is handed
// over as the exact text 1C wrote) and the HTTP+JSON variant (the same names in JSON, numbers
// or strings). Money is decimal roubles with at most two digits after the point, bonuses decimal
// bonuses, quantities decimal units with at most three (see the comment at the top of the WSDL).

export const NS = 'urn:kopilka:onec:1';

// ── values ──────────────────────────────────────────────────────────────────────────────────

/**
 * The exact decimal text of an xs:decimal or JSON value, in the form toMinor reads. XML Schema
 * allows "+1.5", ".5" and "5." as decimals; 1C writes the canonical form, but nothing is lost by
 * accepting the others.
 */
export function decimalText(value: unknown, field: string): string | number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: ожидается число`, { field });
  let t = value.trim().replace(/^\+/, '');
  // No amount needs more digits; and the refusal should not quote a megabyte back.
  if (t.length > 40) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: слишком длинное число (${t.length} знаков)`, { field });
  if (/^-?\.\d/.test(t)) t = t.replace('.', '0.');
  if (/\d\.$/.test(t)) t = t.slice(0, -1);
  return t;
}

/** Roubles (or bonuses) → kopecks (hundredths), exactly; a third digit after the point is refused. */
export const money = (v: unknown, field: string): number => toMinor(decimalText(v, field), 2, field);
/** Units → thousandths, exactly. */
export const quantity = (v: unknown, field: string): number => toMinor(decimalText(v, field), 3, field);

/** How amounts leave: decimal text for XML (xs:decimal "550.00"), JSON numbers (550) for HTTP+JSON. */
export type MoneyOut = (minor: number) => string | number;
export const xmlMoney: MoneyOut = (m) => fromMinor(m, 2);
export const jsonMoney: MoneyOut = (m) => minorToNumber(m, 2);
const xmlQty: MoneyOut = (m) => fromMinor(m, 3);
const jsonQty: MoneyOut = (m) => minorToNumber(m, 3);

function integer(v: unknown, field: string): number {
  const t = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().replace(/^\+/, '') : '';
  if (!/^\d{1,9}$/.test(t)) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: ожидается целое положительное число (${JSON.stringify(v)})`, { field });
  return Number(t);
}

// ── time ────────────────────────────────────────────────────────────────────────────────────

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Offset of the organisation's zone (minutes east of UTC) at an instant. */
export type ZoneOffset = (at: number) => number;

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * An xs:dateTime as 1C writes it → ISO 8601 with an offset. 1C's Дата has no zone, so a time
 * without one is the local time of the organisation; with Z or an offset it is taken as written.
 * 1C's empty date (0001-01-01T00:00:00) is "not filled in".
 */
export function isoFromOnec(value: unknown, offset: ZoneOffset, field: string): string {
  const text = typeof value === 'string' ? value.trim() : value instanceof Date ? value.toISOString() : '';
  const m = DATE_TIME.exec(text);
  if (m === null) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: время «${String(value).slice(0, 40)}» не в формате ГГГГ-ММ-ДДTЧЧ:ММ:СС`, { field });
  if (Number(m[1]) < 1900) throw new KopilkaError('INVALID_INPUT', `Поле «${field}» не заполнено (пустая дата)`, { field });
  const why = dateTimeProblem(m);
  if (why !== null) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: ${why} («${text}»)`, { field });
  const local = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}`;
  if (m[8] !== undefined) return local + (m[8] === 'Z' ? '+00:00' : m[8].includes(':') ? m[8] : `${m[8].slice(0, 3)}:${m[8].slice(3)}`);
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // The offset in force at that local time (a second look settles a day the offset changes).
  const guess = offset(asUtc);
  return local + offsetText(offset(asUtc - guess * 60_000));
}

/** Why a matched xs:dateTime is no real moment (2026-02-30, 24:00, an offset of +25:00), or null. */
function dateTimeProblem(m: RegExpExecArray): string | null {
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return 'несуществующая дата';
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return 'несуществующее время: часы 00–23, минуты и секунды 00–59';
  const off = /^[+-](\d{2}):?(\d{2})$/.exec(m[8] ?? '');
  if (off !== null && (Number(off[1]) > 14 || Number(off[2]) > 59)) return 'смещение вне −14:00…+14:00';
  return null;
}

/** An instant → the organisation's local time with its offset: 2026-11-22T12:00:00+03:00. */
export function isoToOnec(iso: string, offset: ZoneOffset): string {
  const at = Date.parse(iso);
  const off = offset(at);
  return new Date(at + off * 60_000).toISOString().slice(0, 19) + offsetText(off);
}

// ── requests ────────────────────────────────────────────────────────────────────────────────

// Leniency at the edge: a missing optional XML element arrives as undefined, an empty one as ''
// or null, and 1C's JSON writer turns identifiers that look numeric into numbers.
// Ids and codes: no control characters at all (tab and line breaks neither), no NUL, no lone
// UTF-16 surrogate (Postgres would store U+FFFD and a replay would no longer match). Free text
// (names) may keep tabs and line breaks. The SOAP reader has already refused what XML 1.0 forbids.
const clean = (freeText: boolean) => (s: string, ctx: z.RefinementCtx) => {
  const why = unsafeTextReason(s, { freeText });
  if (why !== null) ctx.addIssue({ code: 'custom', message: why });
};
const text = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().trim().superRefine(clean(false)));
const optText = z.preprocess((v) => (v === '' || v === null ? undefined : typeof v === 'number' ? String(v) : v), z.string().trim().superRefine(clean(false)).optional());
const optFreeText = z.preprocess((v) => (v === '' || v === null ? undefined : typeof v === 'number' ? String(v) : v), z.string().trim().superRefine(clean(true)).optional());
const value = z.union([z.string(), z.number()]);
const optValue = z.preprocess((v) => (v === '' || v === null ? undefined : v), value.optional());
const bool = z.preprocess((v) => (v === '' || v === null ? undefined : v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean().optional());
/** One XML element is one object; a repeated one, an array. */
const many = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));
const obj = <T extends z.ZodRawShape>(shape: T) => z.preprocess((v) => (v === '' ? null : v), z.object(shape).nullish());

export const keySchema = { Key: optText };

export const customerRefSchema = obj({ Phone: optText, CardNumber: optText, CustomerId: optText });

export const checkSchema = z.object({
  ExternalId: text,
  OccurredAt: z.unknown(),
  StoreId: optText,
  CashierId: optText,
  Customer: customerRefSchema,
  Line: many(
    z.object({
      LineNo: value,
      ProductId: text,
      GroupId: optText,
      Name: optFreeText,
      Quantity: value,
      Price: value,
      Amount: value,
    }),
  ),
  Payment: many(z.object({ Type: text, Amount: value })),
  Redeem: optValue,
  RedeemMax: bool,
  Coupon: optText,
  /** The document's version (1, 2, …): a re-posted, edited document is a new version (versions.ts). */
  Version: optValue,
});
export type OnecCheck = z.output<typeof checkSchema>;

export const checkRequestSchema = z.object({ ...keySchema, Check: checkSchema });

export const refundSchema = z.object({
  ...keySchema,
  SaleExternalId: text,
  ExternalId: text,
  OccurredAt: z.unknown().optional(),
  // A line names the sale's line (LineNo) or, as 1C's return documents do, the product (ProductId).
  Line: many(z.object({ LineNo: optValue, ProductId: optText, Quantity: value })),
});
export type OnecRefund = z.output<typeof refundSchema>;

export const lookupSchema = z.object({ ...keySchema, Phone: optText, CardNumber: optText, CustomerId: optText });
export type OnecLookup = z.output<typeof lookupSchema>;

export const registerSchema = z.object({
  ...keySchema,
  Phone: text,
  CardNumber: optText,
  Name: optFreeText,
  // xs:date; 1C may send a dateTime, and its empty date means "not filled in".
  BirthDate: z.preprocess(
    (v) => (v === '' || v === null || (typeof v === 'string' && v.startsWith('0001-')) ? undefined : v),
    z
      .string()
      .trim()
      .refine((d) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(d) && isCalendarDate(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))), 'дата ГГГГ-ММ-ДД, существующая в календаре')
      .optional(),
  ),
  Email: optText,
});
export type OnecRegister = z.output<typeof registerSchema>;

export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseInput(schema, input ?? {}, what);
}

/** Exactly one of the ways to name a customer, or none (an anonymous sale). */
export function customerRefOf(r: { Phone?: string | undefined; CardNumber?: string | undefined; CustomerId?: string | undefined } | null | undefined, field: string): CustomerRef | null {
  if (r == null) return null;
  const given = [r.Phone ? { phone: r.Phone } : null, r.CardNumber ? { cardNumber: r.CardNumber } : null, r.CustomerId ? { id: r.CustomerId } : null].filter((x) => x !== null);
  if (given.length > 1) throw new KopilkaError('INVALID_INPUT', `${field}: укажите что-то одно — телефон, номер карты или код клиента`, { field });
  return given[0] ?? null;
}

export interface CheckContext {
  offset: ZoneOffset;
  /** The store of the channel key, used when the check names none. */
  storeId: string | null;
}

/** A 1C check → the common Check (kopecks, thousandths, ISO time with offset). */
export function checkFromOnec(c: OnecCheck, ctx: CheckContext): CheckInput {
  return {
    externalId: c.ExternalId,
    occurredAt: isoFromOnec(c.OccurredAt, ctx.offset, 'Check.OccurredAt'),
    storeId: c.StoreId ?? ctx.storeId,
    cashierId: c.CashierId ?? null,
    customer: customerRefOf(c.Customer, 'Check.Customer'),
    lines: c.Line.map((l, i) => {
      const f = `Check.Line[${i}]`;
      return {
        lineNo: integer(l.LineNo, `${f}.LineNo`),
        productId: l.ProductId,
        groupId: l.GroupId ?? null,
        name: l.Name ?? null,
        quantity: quantity(l.Quantity, `${f}.Quantity`),
        price: money(l.Price, `${f}.Price`),
        amount: money(l.Amount, `${f}.Amount`),
      };
    }),
    payments: c.Payment.map((p, i) => ({ type: p.Type, amount: money(p.Amount, `Check.Payment[${i}].Amount`) })),
    redeem: c.RedeemMax === true ? 'max' : c.Redeem === undefined ? 0 : money(c.Redeem, 'Check.Redeem'),
    coupon: c.Coupon ?? null,
  };
}

/** What a 1C refund asks for: the sale's lines by number, or products and quantities to match to them. */
export interface RefundFromOnec {
  saleExternalId: string;
  request: { externalId: string; occurredAt?: string; lines?: { lineNo: number; quantity: number }[] };
  /** Products and quantities (thousandths) when the return names products, not line numbers. */
  returned: { productId: string; quantity: number }[] | null;
}

/**
 * A 1C refund → the ledger's refund request (no lines: the whole sale). A return whose every line
 * has LineNo refunds those lines; one with a line without LineNo is a return by product (what
 * 1C's return documents hold), every line then naming its ProductId.
 */
export function refundFromOnec(r: OnecRefund, offset: ZoneOffset): RefundFromOnec {
  const occurredAt = r.OccurredAt == null || r.OccurredAt === '' ? undefined : isoFromOnec(r.OccurredAt, offset, 'OccurredAt');
  const head = { externalId: r.ExternalId, ...(occurredAt === undefined ? {} : { occurredAt }) };
  const byProduct = r.Line.some((l) => l.LineNo === undefined);
  if (byProduct) {
    const returned = r.Line.map((l, i) => {
      if (l.ProductId === undefined) throw new KopilkaError('INVALID_INPUT', `Строка возврата ${i + 1}: укажите товар (ProductId) или номер строки чека (LineNo)`, { field: `Line[${i}].ProductId` });
      return { productId: l.ProductId, quantity: quantity(l.Quantity, `Line[${i}].Quantity`) };
    });
    return { saleExternalId: r.SaleExternalId, request: head, returned };
  }
  return {
    saleExternalId: r.SaleExternalId,
    request: { ...head, ...(r.Line.length === 0 ? {} : { lines: r.Line.map((l, i) => ({ lineNo: integer(l.LineNo, `Line[${i}].LineNo`), quantity: quantity(l.Quantity, `Line[${i}].Quantity`) })) }) },
    returned: null,
  };
}

/** A document's version as 1C sent it: 1 when absent; a positive integer otherwise. */
export function versionOf(v: unknown): number {
  if (v === undefined) return 1;
  const n = integer(v, 'Check.Version');
  if (n < 1 || n > MAX_VERSION) throw new KopilkaError('INVALID_INPUT', `Поле «Check.Version»: версия документа от 1 до ${MAX_VERSION}`, { field: 'Check.Version' });
  return n;
}

/** Versions of one document Kopilka follows; an edit beyond this is a person's matter. */
export const MAX_VERSION = 50;

/** A ledger field path (lines.0.price) in the WSDL's names (Check.Line[0].Price). */
export function onecField(field: string, root = 'Check'): string {
  const names: Record<string, string> = { lines: 'Line', payments: 'Payment', lineNo: 'LineNo', productId: 'ProductId', externalId: 'ExternalId', cardNumber: 'CardNumber', id: 'CustomerId' };
  if (field === '(body)' || field === '') return root;
  let out = root;
  for (const part of field.split('.')) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += `.${names[part] ?? part.charAt(0).toUpperCase() + part.slice(1)}`;
  }
  return out;
}

// ── answers ─────────────────────────────────────────────────────────────────────────────────
// Objects are built with their keys in the order of the schema's xs:sequence (the SOAP side
// writes them in key order) and leave out absent optional elements rather than send nil.

type Out = Record<string, unknown>;

function balanceOut(c: NonNullable<CheckResult['customer']>, m: MoneyOut): Out {
  return { CustomerId: c.id, Level: { Code: c.level.code, Name: c.level.name }, Available: m(c.balance.available), Pending: m(c.balance.pending) };
}

export function checkResultOut(r: CheckResult, replay: boolean, m: MoneyOut): Out {
  const t = r.totals;
  return {
    ExternalId: r.externalId,
    Status: r.status,
    Replay: replay,
    ...(r.customer === null || r.customer.id === '' ? {} : { Customer: balanceOut(r.customer, m) }),
    Totals: { Amount: m(t.amount), Discount: m(t.discount), Redeemed: m(t.redeemed), ToPay: m(t.toPay), Accrued: m(t.accrued), MaxRedeem: m(t.maxRedeem) },
    Line: r.lines.map((l) => ({ LineNo: l.lineNo, Discount: m(l.discount), Redeemed: m(l.redeemed), Accrued: m(l.accrued) })),
    Message: r.messages,
  };
}

export function refundResultOut(r: RefundResult, replay: boolean, m: MoneyOut): Out {
  const t = r.totals;
  const q = m === xmlMoney ? xmlQty : jsonQty;
  return {
    ExternalId: r.externalId,
    SaleExternalId: r.saleExternalId,
    Status: r.status,
    Replay: replay,
    ...(r.customer === null ? {} : { Customer: balanceOut(r.customer, m) }),
    Totals: { Amount: m(t.amount), Discount: m(t.discount), Redeemed: m(t.redeemed), Accrued: m(t.accrued), Debt: m(t.debt) },
    Line: r.lines.map((l) => ({ LineNo: l.lineNo, Quantity: q(l.quantity), Amount: m(l.amount), Discount: m(l.discount), Redeemed: m(l.redeemed), Accrued: m(l.accrued) })),
    Message: r.messages,
  };
}

export function customerOut(c: CustomerSummary, m: MoneyOut, offset: ZoneOffset): Out {
  return {
    CustomerId: c.id,
    ...(c.phone === null ? {} : { Phone: c.phone }),
    ...(c.cardNumber === null ? {} : { CardNumber: c.cardNumber }),
    ...(c.name === null ? {} : { Name: c.name }),
    Level: { Code: c.level.code, Name: c.level.name },
    Available: m(c.balance.available),
    Pending: m(c.balance.pending),
    TotalSpent: m(c.totalSpent),
    Purchases: c.purchases,
    ...(c.lastPurchaseAt === null ? {} : { LastPurchaseAt: isoToOnec(c.lastPurchaseAt, offset) }),
    ...(c.nextLevel === null ? {} : { NextLevel: { Code: c.nextLevel.code, Name: c.nextLevel.name, Remaining: m(c.nextLevel.remaining) } }),
    ReferralCode: c.referralCode,
  };
}

export function customerBalanceOut(c: CustomerSummary, m: MoneyOut): Out {
  return balanceOut(c, m);
}

// ── faults ──────────────────────────────────────────────────────────────────────────────────

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/**
 * soap:Client when the request is at fault (fix it, do not resend it unchanged), soap:Server when
 * the service could not answer now (nothing was recorded; safe to retry).
 */
export function faultCode(e: KopilkaError): 'soap:Client' | 'soap:Server' {
  return e.status >= 500 || e.code === 'RATE_LIMITED' ? 'soap:Server' : 'soap:Client';
}

/** The SOAP 1.1 Fault element (envelope prefix "soap") with Kopilka's code in its detail. */
export function faultXml(e: KopilkaError, field?: string): string {
  const f = field ?? (typeof e.details?.field === 'string' ? e.details.field : undefined);
  return (
    `<soap:Fault><faultcode>${faultCode(e)}</faultcode><faultstring>${escapeXml(e.message)}</faultstring>` +
    `<detail><k:KopilkaFault xmlns:k="${NS}"><k:Code>${e.code}</k:Code><k:Message>${escapeXml(e.message)}</k:Message>` +
    (f === undefined ? '' : `<k:Field>${escapeXml(f)}</k:Field>`) +
    `</k:KopilkaFault></detail></soap:Fault>`
  );
}

export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';

/** A whole response envelope holding a Fault: for requests refused before they reach SOAP. */
export function faultEnvelope(e: KopilkaError): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV}"><soap:Body>${faultXml(e)}</soap:Body></soap:Envelope>`;
}
