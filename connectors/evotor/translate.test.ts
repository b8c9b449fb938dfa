import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentSchema, receiptV1Schema } from './protocol.ts';
import { customerOf, documentToSale, localIso, receiptToSale } from './translate.ts';

// The translation alone: Evotor's decimals to kopecks and thousandths exactly, its times to the
// till's offset, and the customer a document names.

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const moscow = () => 180;

function docWith(position: Record<string, unknown>) {
  const d = fx('extra/sell.document.json');
  d.body.positions[0].position = { ...d.body.positions[0].position, ...position };
  return documentSchema.parse(d);
}

describe('Evotor → Check', () => {
  it('converts the documentation SELL sample exactly', () => {
    const s = documentToSale(documentSchema.parse(fx('extra/sell.document.json')), moscow);
    expect(s).toMatchObject({ kind: 'SELL', id: '1022722e-9441-4beb-beae-c6bc5e7af30d', customer: { phone: '+79876543210' }, baseId: null });
    // 123.123 pieces at 12.12 ₽, 12.12 ₽ for the line after discounts (as the sample says).
    expect(s.lines).toEqual([{ lineNo: 1, productId: '1022722e-9441-4beb-beae-c6bc5e7af30d', name: null, quantity: 123123, price: 1212, amount: 1212 }]);
    expect(s.payments).toEqual([{ type: 'cash', amount: 1212 }]);
    // close_date is UTC; time_zone_offset 10800000 ms puts the till at +03:00.
    expect(s.occurredAt).toBe('2017-01-10T12:33:19.757+03:00');
  });

  it('adds decimals as decimals: 0.1 + 0.2 roubles is 30 kopecks', () => {
    const d = fx('extra/sell.document.json');
    const p = d.body.positions[0].position;
    d.body.positions = [{ position: { ...p, result_sum: 0.1 } }, { position: { ...p, result_sum: '0.2' } }];
    const s = documentToSale(documentSchema.parse(d), moscow);
    expect(s.lines.map((l) => l.amount)).toEqual([10, 20]);
    expect(s.lines[0]!.amount + s.lines[1]!.amount).toBe(30);
  });

  it('reads 1234.5 roubles as 123450 kopecks and 12.345 kg as 12345 thousandths', () => {
    const s = documentToSale(docWith({ quantity: 12.345, result_price: '1234.5', result_sum: 15239.90 }), moscow);
    expect(s.lines[0]).toMatchObject({ quantity: 12345, price: 123450, amount: 1523990 });
  });

  it('refuses 1.005 roubles instead of rounding it away, naming the field', () => {
    expect(() => documentToSale(docWith({ result_price: '1.005' }), moscow)).toThrow(/body\.positions\.0\.position\.result_price.*больше 2 знаков после запятой/);
    expect(() => documentToSale(docWith({ quantity: 1.0005 }), moscow)).toThrow(/quantity.*больше 3 знаков/);
  });

  it('takes the sum after discount from a receipt, checked against totalAmount', () => {
    const [r] = fx('extra/receipt-v1.instance.json');
    const plain = receiptToSale(receiptV1Schema.parse(r), r.uuid, moscow);
    expect(plain.lines[0]).toMatchObject({ quantity: 1500, price: 123450, amount: 185175 });
    expect(plain.occurredAt).toBe('2017-01-10T12:33:19.757+03:00');
    // 10.00 ₽ discount, total says sumPrice was before it.
    const discounted = { ...r, items: [{ ...r.items[0], discount: 10 }], totalAmount: 1841.75 };
    expect(receiptToSale(receiptV1Schema.parse(discounted), r.uuid, moscow).lines[0]).toMatchObject({ amount: 184175 });
    // total equal to Σ sumPrice: sumPrice already is after the discount.
    const after = { ...r, items: [{ ...r.items[0], discount: 10 }], totalAmount: 1851.75 };
    expect(receiptToSale(receiptV1Schema.parse(after), r.uuid, moscow).lines[0]).toMatchObject({ amount: 185175 });
  });

  it('reads times without an offset in the tenant zone', () => {
    expect(localIso('2026-11-22 12:00:00', 'dateTime', moscow)).toBe('2026-11-22T12:00:00.000+03:00');
    expect(localIso('2026-11-22T09:00:00Z', 'dateTime', moscow)).toBe('2026-11-22T09:00:00.000+00:00');
    expect(() => localIso('22.11.2026', 'dateTime', moscow)).toThrow(/ISO 8601/);
  });

  it('finds a card before a phone, in extras or under customer/client', () => {
    expect(customerOf([{ cardNumber: 'C-1', phone: '+79990000001' }], 79876543210)).toEqual({ cardNumber: 'C-1' });
    expect(customerOf([{ client: { phone: '8 999 000-00-02' } }], 79876543210)).toEqual({ phone: '+79990000002' });
    expect(customerOf([{}], 79876543210)).toEqual({ phone: '+79876543210' });
    expect(customerOf([null, { customer: { name: 'Иван' } }])).toBeNull();
  });
});
