/**
 * Reading a shipments CSV upload (RFC 4180: comma-separated, cells optionally in double quotes with "" for a quote,
 * CRLF or LF line ends). Pure and bounded by its caller (the upload's size and row count are checked first).
 */

/** One record of the file: its first physical line number (1-based) and its cells, or why it could not be read. */
export type CsvRecord = { line: number; cells: string[] } | { line: number; error: string };

/**
 * The records of `text`, in order; blank lines are skipped. A record whose quotes never close is reported as an error
 * and ends the file (everything after it would be read wrongly).
 */
export function readCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  // A byte-order mark (spreadsheets save one) is not part of the first cell.
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let wasQuoted = false;
    let ended = false;
    for (; i < s.length; i++) {
      const ch = s[i]!;
      if (quoted) {
        if (ch === '"' && s[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else {
          if (ch === '\n') line++;
          cell += ch;
        }
      } else if (ch === '"' && cell === '' && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        wasQuoted = false;
      } else if (ch === '\n' || (ch === '\r' && s[i + 1] === '\n')) {
        i += ch === '\r' ? 2 : 1;
        line++;
        ended = true;
        break;
      } else cell += ch;
    }
    if (quoted) {
      out.push({ line: start, error: 'a quoted cell is never closed' });
      break;
    }
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '' && !wasQuoted)) out.push({ line: start, cells });
    if (!ended) break;
  }
  return out;
}

/**
 * Whether a spreadsheet would run the cell as a formula (=, +, -, @, tab, CR first): such a cell is never taken as data,
 * so nothing uploaded can come back out of an export as a formula.
 */
export function looksLikeFormula(cell: string): boolean {
  return /^[=+\-@\t\r]/.test(cell);
}
