/**
 * Minimal RFC 4180 CSV reader. The reference files are plain today, but names such as
 * "Bà Rịa - Vũng Tàu" show how close a comma is; quoted fields must not break a row.
 */

/** Parses CSV text into rows of fields. Handles quoted fields, doubled quotes, CRLF and a BOM. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // A trailing blank line is not a record.
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/**
 * Parses CSV text whose first row is a header into objects keyed by column name.
 * @throws when a required column is missing or a row has the wrong number of fields
 */
export function parseCsvRecords(text: string, requiredColumns: readonly string[] = []): Record<string, string>[] {
  const [header, ...body] = parseCsv(text);
  if (!header) return [];
  for (const column of requiredColumns) {
    if (!header.includes(column)) throw new Error(`CSV column "${column}" missing (have: ${header.join(', ')})`);
  }
  return body.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new Error(`CSV row ${index + 2} has ${fields.length} fields, header has ${header.length}`);
    }
    const record: Record<string, string> = {};
    header.forEach((column, c) => (record[column] = fields[c]));
    return record;
  });
}
