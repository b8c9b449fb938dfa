import ExcelJS from 'exceljs';
import type { ApiResponse } from '../connectors/kit/route.ts';
import { KopilkaError } from '../ledger/index.ts';
import type { TenantUsage } from './invoice.ts';

// GET /v1/billing/usage in the three forms the billing team asks for: JSON (the contract),
// CSV (money in kopecks, as in JSON) and XLSX (money in roubles, formatted for people).

function contract(u: TenantUsage) {
  return {
    tenantId: u.tenantId,
    name: u.name,
    plan: u.plan,
    month: u.month,
    checks: u.checks,
    includedChecks: u.includedChecks,
    overageChecks: u.overageChecks,
    overageCost: u.overageCost,
    sms: u.sms,
    channels: u.channels,
    channelNames: u.channelNames,
    subscriptionCost: u.subscriptionCost,
    total: u.total,
  };
}

const COLUMNS = ['tenantId', 'name', 'plan', 'month', 'checks', 'includedChecks', 'overageChecks', 'overageCost', 'smsCount', 'smsCost', 'channels', 'subscriptionCost', 'total'] as const;
const MONEY = new Set(['overageCost', 'smsCost', 'subscriptionCost', 'total']);

function flat(u: TenantUsage): Record<(typeof COLUMNS)[number], string | number> {
  return { ...contract(u), smsCount: u.sms.count, smsCost: u.sms.cost, channels: u.channels };
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function usageResponse(rows: TenantUsage[], accept: string | undefined, month: string): Promise<ApiResponse> {
  const a = accept ?? '';
  if (a.includes('text/csv')) {
    const lines = [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(flat(r)[c])).join(','))];
    // The byte-order mark makes Excel read the Cyrillic names as UTF-8.
    return {
      status: 200,
      body: null,
      raw: `\ufeff${lines.join('\r\n')}\r\n`,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="kopilka-usage-${month}.csv"` },
    };
  }
  if (a.includes('spreadsheetml')) {
    const wb = new ExcelJS.Workbook();
    wb.creator = 'Kopilka';
    const ws = wb.addWorksheet(`Usage ${month}`);
    ws.columns = COLUMNS.map((c) => ({ header: MONEY.has(c) ? `${c}, ₽` : c, key: c, width: c === 'name' ? 28 : 16 }));
    for (const r of rows) {
      const f = flat(r);
      ws.addRow(Object.fromEntries(COLUMNS.map((c) => [c, MONEY.has(c) ? Number(f[c]) / 100 : f[c]])));
    }
    for (const c of COLUMNS) if (MONEY.has(c)) ws.getColumn(c).numFmt = '#,##0.00';
    ws.getRow(1).font = { bold: true };
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    return {
      status: 200,
      body: null,
      raw: buf,
      headers: {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': `attachment; filename="kopilka-usage-${month}.xlsx"`,
      },
    };
  }
  if (a !== '' && !a.includes('json') && !a.includes('*/*')) {
    throw new KopilkaError('INVALID_INPUT', 'Доступные форматы: application/json, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', { field: 'accept' });
  }
  return { status: 200, body: rows.map(contract) };
}
