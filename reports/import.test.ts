import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../test/service.ts';
import { readDate, readHundredths, readPhone } from './client-row.ts';
import { decodeCsv, detectDelimiter, parseCsv } from './csv.ts';
import { LEVELS_PROGRAM } from './fixtures/programs.ts';
import { suggestMapping } from './mapping.ts';

const CSV = readFileSync(new URL('./fixtures/bonus-service-clients.cp1251.csv', import.meta.url));
const XLSX = readFileSync(new URL('./fixtures/other-service-clients.xlsx', import.meta.url));


describe('reading files', () => {
  it('decodes Windows-1251 and keeps quoted delimiters and line breaks, naming each record by its first line', () => {
    const { text, encoding } = decodeCsv(CSV);
    expect(encoding).toBe('windows-1251');
    expect(detectDelimiter(text)).toBe(';');
    const recs = parseCsv(text);
    expect(recs[0]!.cells[3]).toBe('Телефон');
    expect(recs[2]!.cells[12]).toBe('Просил не звонить; только SMS');
    expect(recs[3]!.line).toBe(4);
    expect(recs[3]!.cells[12]).toMatch(/^Постоянная клиентка,\r?\nлюбит/);
    expect(recs[4]!.line).toBe(6);
  });

  it('reads UTF-8 with a BOM, commas, doubled quotes and a last line without a break', () => {
    const body = Buffer.from('\ufeffТелефон,Имя\r\n+79161234567,"Анна ""Ёлка"""\n89031234567,Иван', 'utf8');
    const { text, encoding } = decodeCsv(body);
    expect(encoding).toBe('utf-8');
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['Телефон', 'Имя'] },
      { line: 2, cells: ['+79161234567', 'Анна "Ёлка"'] },
      { line: 3, cells: ['89031234567', 'Иван'] },
    ]);
  });

  it('suggests a mapping from Russian and English headers', () => {
    expect(suggestMapping(['Фамилия', 'Имя', 'Отчество', 'Телефон', 'Пол', 'Дата рождения', 'E-mail', 'Номер карты', 'Баланс бонусов', 'Статус', 'Сумма покупок, руб.', 'Количество покупок'])).toEqual({
      lastName: 0, firstName: 1, middleName: 2, phone: 3, gender: 4, birthDate: 5, email: 6, card: 7, balance: 8, level: 9, total: 10, purchases: 11,
    });
    expect(suggestMapping(['Name', 'Phone', 'Birthday', 'Points', 'Total', 'Orders'])).toEqual({ name: 0, phone: 1, birthDate: 2, balance: 3, total: 4, purchases: 5 });
    expect(suggestMapping(['Имя', 'Телефон'])).toEqual({ name: 0, phone: 1 });
  });

  it('reads money with comma decimals exactly, dates in the forms exports use, phones by libphonenumber', () => {
    expect(readHundredths('1 250,50', 'x')).toBe(125050);
    expect(readHundredths('1,234.5', 'x')).toBe(123450);
    expect(readHundredths('500 ₽', 'x')).toBe(50000);
    expect(readHundredths(99.5, 'x')).toBe(9950);
    expect(readHundredths('0,001', 'x')).toMatch(/двух знаков/);
    expect(readHundredths('-5', 'x')).toMatch(/отрицательное/);
    expect(readDate('05.07.92', '2026-11-23')).toBe('1992-07-05');
    expect(readDate('12.05.1990 0:00:00', '2026-11-23')).toBe('1990-05-12');
    expect(readDate(32874, '2026-11-23')).toBe('1990-01-01');
    expect(readDate('29.02.2023', '2026-11-23')).toMatch(/календаре/);
    expect(readPhone('8 (916) 123-45-67', 'RU')).toBe('+79161234567');
    expect(readPhone('+375 29 123-45-67', 'RU')).toBe('+375291234567');
    expect(readPhone('8 800', 'RU')).toMatch(/^!/);
  });
});

describe('import over HTTP', () => {
  let s: TestService;
  let admin: string;

  beforeAll(async () => {
    s = await startTestService({ redis: false });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня', program: LEVELS_PROGRAM });
    admin = t.body.adminKey;
  });
  afterAll(async () => {
    await s?.stop();
  });

  const upload = async (body: Buffer, type: string) =>
    (await fetch(`${s.api}/v1/imports/preview`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': type }, body: new Uint8Array(body) })).json() as Promise<any>;

  async function finished(id: string): Promise<any> {
    for (let i = 0; i < 200; i++) {
      const r = await call(s.api, 'GET', `/v1/imports/${id}`, admin);
      if (r.body.status !== 'running') return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('import did not finish');
  }

  it('previews, names every bad row in a dry run, imports, and imports nothing twice', async () => {
    const p = await upload(CSV, 'text/csv');
    expect(p.format).toBe('csv');
    expect(p.encoding).toBe('windows-1251');
    expect(p.rowCount).toBe(9);
    expect(p.rows[0].slice(0, 4)).toEqual(['Иванова', 'Анна', 'Сергеевна', '8 (916) 123-45-67']);
    expect(p.mapping).toMatchObject({ phone: 'Телефон', lastName: 'Фамилия', level: 'Статус', total: 'Сумма покупок, руб.', balance: 'Баланс бонусов' });

    const dry = await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, status: 'done', total: 9, created: 4, existing: 0, granted: 2, failed: 5 });
    const bad = dry.body.errors.map((e: any) => `${e.line}:${e.field}`);
    expect(bad).toEqual(['6:birthDate', '7:phone', '8:gender', '8:email', '8:level', '8:total', '8:purchases', '8:balance', '9:phone', '10:card']);
    expect(dry.body.errors.find((e: any) => e.line === 8 && e.field === 'level').reason).toContain('Платиновый');
    expect((await call(s.api, 'GET', `/v1/customers?phone=%2B79161234567`, admin)).status).toBe(404);

    const run = await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId });
    expect(run.status).toBe(202);
    const job = await finished(run.body.id);
    expect(job).toMatchObject({ dryRun: false, status: 'done', total: 9, processed: 9, created: 4, existing: 0, granted: 2, failed: 5 });

    const anna = (await call(s.api, 'GET', `/v1/customers?phone=%2B79161234567`, admin)).body;
    expect(anna).toMatchObject({ name: 'Иванова Анна Сергеевна', level: { code: 'silver' }, totalSpent: 1_840_000, purchases: 23, balance: { available: 125050 }, gender: 'female', birthDate: '1985-03-14' });
    const olga = (await call(s.api, 'GET', `/v1/customers?phone=%2B79261112233`, admin)).body;
    expect(olga).toMatchObject({ level: { code: 'silver' }, email: 'olga@yandex.ru', birthDate: '1992-07-05', balance: { available: 30000 } });
    const pavel = (await call(s.api, 'GET', `/v1/customers?phone=%2B375291234567`, admin)).body;
    expect(pavel).toMatchObject({ level: { code: 'gold' }, purchases: 120 });

    const again = await finished((await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId })).body.id);
    expect(again).toMatchObject({ created: 0, existing: 4, granted: 0, failed: 5 });
    expect(again.existingRows).toEqual([
      { line: 2, phone: '+79161234567' },
      { line: 3, phone: '+79035551212' },
      { line: 4, phone: '+79261112233' },
      { line: 11, phone: '+375291234567' },
    ]);
    expect(job.existingRows).toEqual([]);
    expect((await call(s.api, 'GET', `/v1/customers?phone=%2B79161234567`, admin)).body.balance.available).toBe(125050);
  });

  it('imports an Excel workbook with date cells and numbers, by a mapping the person chose', async () => {
    const p = await upload(XLSX, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(p).toMatchObject({ format: 'xlsx', rowCount: 4, mapping: { name: 'ФИО', phone: 'Телефон', birthDate: 'Дата рождения', balance: 'Бонусы', purchases: 'Кол-во покупок' } });
    const mapping = { ...p.mapping, comment: 'Email' }; // the person's choice: the e-mail column read as a comment
    delete mapping.email;
    const run = await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId, mapping });
    const job = await finished(run.body.id);
    expect(job).toMatchObject({ total: 4, created: 2, granted: 1, failed: 2 });
    expect(job.errors.map((e: any) => `${e.line}:${e.field}`)).toEqual(['4:phone', '5:phone']);
    const vera = (await call(s.api, 'GET', `/v1/customers?phone=%2B79161234500`, admin)).body;
    expect(vera).toMatchObject({ birthDate: '1988-05-20', balance: { available: 9950 }, totalSpent: 540_050, email: null });
    expect((await call(s.api, 'GET', `/v1/customers?phone=%2B79161234501`, admin)).body.level.code).toBe('silver');
  });

  it('shows a running import job at once and its counts when done', async () => {
    const lines = ['Телефон;Баланс'];
    for (let i = 0; i < 1500; i++) lines.push(`+7 917 ${String(i).padStart(7, '0')};${i % 2 ? '10,5' : '0'}`);
    const p = await upload(Buffer.from(lines.join('\n')), 'text/csv');
    const run = await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId });
    expect(run.body).toMatchObject({ status: 'running', total: 1500, dryRun: false });
    const job = await finished(run.body.id);
    expect(job).toMatchObject({ status: 'done', total: 1500, processed: 1500, created: 1500, granted: 750, failed: 0, errors: [] });
    expect((await call(s.api, 'GET', `/v1/customers?phone=%2B79170000001`, admin)).body.balance.available).toBe(1050);
  });

  it('refuses a mapping naming a column the file lacks, and a file never uploaded', async () => {
    const p = await upload(CSV, 'text/csv');
    const r = await call(s.api, 'POST', '/v1/imports', admin, { fileId: p.fileId, mapping: { phone: 'Мобильный' }, dryRun: true });
    expect(r.status).toBe(400);
    expect(r.body.error.details.field).toBe('mapping.phone');
    const none = await call(s.api, 'POST', '/v1/imports', admin, { fileId: `f${'0'.repeat(24)}`, dryRun: true });
    expect(none.status).toBe(404);
  });

  it('exports the client base as CSV for Excel and as XLSX', async () => {
    const csv = await fetch(`${s.api}/v1/exports/customers?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const recs = parseCsv(decodeCsv(bytes).text, ';');
    expect(recs[0]!.cells.slice(0, 3)).toEqual(['Телефон', 'ФИО', 'Пол']);
    const anna = recs.find((r) => r.cells[0] === '+79161234567')!.cells;
    expect(anna.slice(8)).toEqual(['Серебряный', '1250,5', '0', '23', '800', '', '18400']);
    expect(recs.length).toBe(1 + 6 + 1500);

    const x = await fetch(`${s.api}/v1/exports/customers?format=xlsx`, { headers: { authorization: `Bearer ${admin}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await x.arrayBuffer()) as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(1 + 6 + 1500);
    expect(ws.getRow(1).getCell(10).value).toBe('Баланс бонусов');
  });
});
