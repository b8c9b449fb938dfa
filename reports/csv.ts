// CSV as RFC 4180 writes it, and as Russian Excel and other loyalty services actually export it:
// `;` or `,` (or tab) between fields, quotes doubled inside quoted fields, line breaks inside
// quotes, CRLF or LF, a UTF-8 BOM or none, and Windows-1251 when the file is not valid UTF-8.

export interface CsvRecord {
  /** The physical line the record starts on (1-based, the header is line 1): what a person finds in the file. */
  line: number;
  cells: string[];
}

/** The text of a CSV file: UTF-8 (with or without BOM) when it is valid UTF-8, else Windows-1251. */
export function decodeCsv(bytes: Buffer): { text: string; encoding: 'utf-8' | 'windows-1251' } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // Cyrillic in 1251 is almost never valid UTF-8 (its bytes C0–FF would need continuation bytes).
    return { text: new TextDecoder('windows-1251').decode(bytes), encoding: 'windows-1251' };
  }
}

/** The delimiter of the first record: whichever of `;`, `,` and tab occurs most outside quotes. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0]]);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ';';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/**
 * Splits the text into records. Lenient where files in the wild are: a quote in the middle of an
 * unquoted field is kept as a character; an unterminated quote runs to the end of the file.
 * Blank lines are skipped.
 */
export function parseCsv(text: string, delimiter = detectDelimiter(text)): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
    atFieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      atFieldStart = true;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += ch;
      atFieldStart = false;
    }
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/** One CSV field as RFC 4180 quotes it (only when needed). */
export function csvField(value: string, delimiter = ';'): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replace(/"/g, '""')}"` : value;
}
