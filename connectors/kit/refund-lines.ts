import { KopilkaError } from '../../ledger/index.ts';

// A return names products and quantities; the ledger refunds sale lines. This matches the two:
// each returned product takes what is left of the sale's lines of that product, in line order.
// Shared by connectors whose return documents do not carry the sale's line numbers.

export interface SoldLine {
  lineNo: number;
  productId: string;
  /** Thousandths. */
  quantity: number;
}

export interface ReturnedItem {
  productId: string;
  /** Thousandths. */
  quantity: number;
}

export function refundLinesFor(sale: readonly SoldLine[], returned: readonly ReturnedItem[], field = 'positions'): { lineNo: number; quantity: number }[] {
  const left = new Map(sale.map((l) => [l.lineNo, l.quantity]));
  const out = new Map<number, number>();
  returned.forEach((r, i) => {
    let q = r.quantity;
    for (const l of sale) {
      if (q === 0) break;
      if (l.productId !== r.productId) continue;
      const take = Math.min(q, left.get(l.lineNo)!);
      if (take === 0) continue;
      left.set(l.lineNo, left.get(l.lineNo)! - take);
      out.set(l.lineNo, (out.get(l.lineNo) ?? 0) + take);
      q -= take;
    }
    if (q > 0) {
      throw new KopilkaError('REFUND_EXCEEDS_SALE', `Позиция ${i + 1} возврата (товар ${r.productId}): в продаже её нет или она уже возвращена`, { field: `${field}.${i}` });
    }
  });
  return [...out].map(([lineNo, quantity]) => ({ lineNo, quantity }));
}
