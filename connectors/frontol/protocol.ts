import { z } from 'zod';
import { freeText, idText } from '../../ledger/index.ts';

// Kopilka's HTTP+JSON protocol for Frontol (ATOL) scripts — designed here, since ATOL defines no
// loyalty-server protocol we could read (PROTOCOL.md §5). Described for Frontol admins in
// HTTP-API.md; the sample script is kopilka.js. Money and bonuses travel as decimal roubles
// ("550.00", "550,5" or 550.5 — strings are safest in JScript), quantities as decimals ("1.5"),
// so a script author never handles kopecks. Answers carry strings with two decimals.

const decimal = z.union([z.string().trim().min(1).max(32), z.number()]);
// Codes, documents, cards: ids the ledger stores and compares, so no NUL, lone surrogates or controls.
const text = (max: number) => idText(max);

export const positionSchema = z
  .object({
    /** The position's number in the Frontol document, echoed back in the answer. */
    n: z.number().int().min(1).max(1_000_000).optional(),
    /** Ware code (or barcode): what refunds and rules by product match on. */
    code: text(128),
    group: text(128).nullish(),
    name: freeText(512).nullish(),
    quantity: decimal,
    /** Unit price, roubles. */
    price: decimal,
    /**
     * Position total, roubles; price × quantity when absent. Calculate: as the till has it now.
     * Commit: before the bonus payment (after every discount), the bonus part in `bonusPayment`.
     */
    sum: decimal.nullish(),
  })
  .strict();
export type FrontolPosition = z.infer<typeof positionSchema>;

const customer = {
  card: text(128).nullish(),
  phone: text(32).nullish(),
};

export const calculateSchema = z
  .object({
    ...customer,
    /** The sale's id for commit: kopilka.js uses shop-closing time-number, the same at every till of the shop. */
    document: text(128).optional(),
    /** When the sale happened: "2026-11-22 12:00:00" (the till's clock) or ISO 8601 with offset. */
    dateTime: text(40).optional(),
    shop: text(128).nullish(),
    cashier: text(128).nullish(),
    positions: z.array(positionSchema).min(1, 'в документе нет позиций').max(1000),
    payments: z.array(z.object({ type: text(32), sum: decimal }).strict()).max(32).optional(),
    /** Bonuses the customer pays with: "max", a decimal, or 0 / absent for none. */
    bonusPayment: z.union([z.literal('max'), decimal]).optional(),
  })
  .strict();
export type CalculateRequest = z.infer<typeof calculateSchema>;

export const commitSchema = calculateSchema.extend({ document: text(128), dateTime: text(40) }).strict();
export type CommitRequest = z.infer<typeof commitSchema>;

export const refundSchema = z
  .object({
    /** The return document's own id (recorded once). */
    document: text(128),
    /** The sale's `document` as it was committed. */
    saleDocument: text(128),
    dateTime: text(40).optional(),
    /** Returned positions by ware code; all of the sale that is left when absent. */
    positions: z.array(z.object({ code: text(128), quantity: decimal }).strict()).min(1).max(1000).optional(),
  })
  .strict();
export type RefundRequest = z.infer<typeof refundSchema>;
