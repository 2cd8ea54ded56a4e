import { parseCsv, parseCsvRecords } from './csv-parser.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = '\ufeffcode,name\r\n077,"Bà Rịa, Vũng Tàu"\n078,"say ""xin chào"""\n079,"two\nlines"\n';
    expect(parseCsv(text)).toEqual([
      ['code', 'name'],
      ['077', 'Bà Rịa, Vũng Tàu'],
      ['078', 'say "xin chào"'],
      ['079', 'two\nlines'],
    ]);
  });

  it('keeps empty fields and a last line without newline', () => {
    expect(parseCsv('a,,c\n,b,')).toEqual([
      ['a', '', 'c'],
      ['', 'b', ''],
    ]);
  });

  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(/quoted/);
  });
});

describe('parseCsvRecords', () => {
  it('keys rows by header and checks required columns and widths', () => {
    expect(parseCsvRecords('code,name\n01,"Hà Nội"\n', ['code'])).toEqual([{ code: '01', name: 'Hà Nội' }]);
    expect(() => parseCsvRecords('code\n01\n', ['name'])).toThrow(/"name" missing/);
    expect(() => parseCsvRecords('code,name\n01\n')).toThrow(/row 2/);
  });
});
