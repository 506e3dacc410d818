import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and reports the starting line', () => {
    const rows = parseCsv('\ufeffid,name\r\n1,"Red, floral ""summer"" dress"\n2,"two\nlines"\n\n3,plain\n');
    expect(rows).toEqual([
      { line: 1, fields: ['id', 'name'] },
      { line: 2, fields: ['1', 'Red, floral "summer" dress'] },
      { line: 3, fields: ['2', 'two\nlines'] },
      { line: 6, fields: ['3', 'plain'] },
    ]);
  });

  it('keeps empty fields and a last line without newline', () => {
    expect(parseCsv('a,,c\n,,')).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 2, fields: ['', '', ''] },
    ]);
  });

  it('fails on an unclosed quote', () => {
    expect(() => parseCsv('id,name\n1,"open')).toThrow(CsvError);
  });
});
