/**
 * CSV cells (RFC 4180) that a spreadsheet opens as data, never as code: a text cell starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return would be run as a formula by Excel, LibreOffice or Sheets (CSV injection), so it is
 * prefixed with a single quote, which those programs show as text. Numbers are written as they are (they never start
 * with a formula character: amounts are never negative).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell, formula-escaped and quoted when it holds a comma, quote or line break. */
export function csvText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (CRLF, as RFC 4180 has it) of cells already made with csvText or from numbers. */
export function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map((c) => (c === null ? '' : typeof c === 'number' ? String(c) : c)).join(',')}\r\n`;
}
