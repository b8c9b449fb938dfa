import ExcelJS from 'exceljs';
import { KopilkaError } from '../ledger/index.ts';
import { decodeCsv, parseCsv } from './csv.ts';

// A client base as a table: a header row and data rows, each row with the line a person finds it
// on (CSV line or Excel row number). Cells keep what the file says: text from CSV; text, numbers
// and dates from Excel (a date cell is a date, not "45231").

export type Cell = string | number | Date | null;

export interface Table {
  format: 'csv' | 'xlsx';
  /** CSV only: how the file was decoded. */
  encoding: 'utf-8' | 'windows-1251' | null;
  headers: string[];
  rows: { line: number; cells: Cell[] }[];
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Whether the body is an Excel workbook: by its content-type, or by its ZIP signature whatever it is called. */
export function isXlsx(body: Buffer, contentType: string | undefined): boolean {
  return body.subarray(0, 4).equals(ZIP_MAGIC) || /spreadsheetml|xlsx|ms-excel/i.test(contentType ?? '');
}

export async function readTable(body: Buffer, contentType: string | undefined): Promise<Table> {
  if (body.length === 0) throw new KopilkaError('INVALID_INPUT', 'Файл пуст: пришлите CSV или XLSX с клиентской базой', { field: '(body)' });
  return isXlsx(body, contentType) ? readXlsx(body) : readCsvTable(body);
}

function readCsvTable(body: Buffer): Table {
  const { text, encoding } = decodeCsv(body);
  const [head, ...rows] = parseCsv(text);
  if (head === undefined) throw new KopilkaError('INVALID_INPUT', 'В файле нет строк', { field: '(body)' });
  return { format: 'csv', encoding, headers: head.cells.map((h) => h.trim()), rows };
}

async function readXlsx(body: Buffer): Promise<Table> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(body as unknown as ArrayBuffer);
  } catch (e) {
    throw new KopilkaError('INVALID_INPUT', `Файл не читается как книга Excel (XLSX): ${(e as Error).message}`, { field: '(body)' });
  }
  const sheet = wb.worksheets[0];
  if (sheet === undefined || sheet.rowCount === 0) throw new KopilkaError('INVALID_INPUT', 'В книге нет листа с данными', { field: '(body)' });
  let headers: string[] | null = null;
  const rows: Table['rows'] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as unknown[]; // 1-based: values[0] is empty
    const cells: Cell[] = [];
    for (let i = 1; i < values.length; i++) cells.push(cellValue(values[i]));
    if (headers === null) headers = cells.map((c) => (c === null ? '' : String(c).trim()));
    else if (cells.some((c) => c !== null && c !== '')) rows.push({ line: rowNumber, cells });
  });
  return { format: 'xlsx', encoding: null, headers: headers ?? [], rows };
}

/** A cell's value as the person sees it: rich text joined, a formula's result, a link's text. */
function cellValue(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || v instanceof Date) return v;
  if (typeof v === 'boolean') return v ? 'да' : 'нет';
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
    if ('result' in o) return cellValue(o.result);
    if (typeof o.text === 'string') return o.text;
  }
  return String(v);
}
