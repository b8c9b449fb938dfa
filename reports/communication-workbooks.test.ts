import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { chainsCsv, chainsXlsx, feedbackXlsx } from './communication-workbooks.ts';

// The workbooks of feedback (NPS by store, the reviews) and of reactivation chains, from figures
// shaped as communications/ reads them.

const load = async (b: Buffer) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(b as never);
  return wb;
};

describe('communication workbooks', () => {
  it('NPS by store with the total, and every review with its answer', async () => {
    const store = { storeId: 'shop-1', responses: 4, promoters: 2, passives: 1, detractors: 1, nps: 25 };
    const wb = await load(
      await feedbackXlsx({ total: { ...store }, stores: [store] }, [
        { storeId: 'shop-1', cashierId: 'anna', externalId: 's1', amount: 123_450, purchasedAt: '2026-11-20T10:00:00Z', rating: 5, nps: 10, text: 'Вкусно', createdAt: '2026-11-21T08:00:00Z', answer: 'Спасибо!' },
      ]),
    );
    expect(wb.getWorksheet('NPS')!.getRow(2).values).toEqual([undefined, 'shop-1', 4, 2, 1, 1, 25]);
    expect(wb.getWorksheet('NPS')!.getRow(3).getCell(1).value).toBe('Итого');
    const r = wb.getWorksheet('Отзывы')!.getRow(2);
    expect([r.getCell(5).value, r.getCell(9).value, r.getCell(10).value]).toEqual([1234.5, 'Вкусно', 'Спасибо!']);
  });

  it('a chain per row: participants, SMS cost, returned and their revenue', async () => {
    const row = { chain: { id: 'c1', name: 'Вернуть за 60 дней', windowDays: 30 }, participants: 120, active: 10, finished: 80, messages: { sent: 200, failed: 3 }, smsCost: 70_000, gifts: { count: 120, points: 1_200_000 }, returned: { customers: 30, revenue: 4_500_000 } };
    const wb = await load(await chainsXlsx([row]));
    expect(wb.getWorksheet('Цепочки')!.getRow(2).values).toEqual([undefined, 'Вернуть за 60 дней', 120, 10, 80, 200, 700, 120, 12_000, 30, 45_000, 30]);
    expect(chainsCsv([row])).toContain('Вернуть за 60 дней;120;10;80;200;700;120;12000;30;45000;30');
  });
});
