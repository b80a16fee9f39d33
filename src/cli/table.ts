/**
 * Box tables that fit a terminal: every line is at most the width asked for. Free text wraps on
 * word boundaries; a word longer than its column (an ARN, a queue URL) is shortened in the middle,
 * so both its kind (the start) and its name (the end) stay readable. Identifiers an operator copies
 * (account ids, OU ids) sit in columns marked `whole` and are never shortened.
 */

/** Width of a terminal that does not say: the classic 80 columns. */
export const DEFAULT_WIDTH = 80;

const ELLIPSIS = '…';
// Below this a column holds too little to be read; a table that cannot give its columns this much
// shortens them anyway rather than overflow, because an overflowing line breaks every line after it.
const MIN_COLUMN = 6;
// Words longer than this (ARNs, URLs) do not hold a column wide; they are shortened in the middle.
const WORD_CAP = 28;

export interface Column {
  readonly title: string;
  /** Never shortened (ids): the column keeps its natural width while any other column can give way. */
  readonly whole?: boolean;
  /** Never narrower than this (an id column whose cells also hold a name line). */
  readonly min?: number;
  /** Cells are one line: wrapped text is joined and shortened in the middle instead of wrapped. */
  readonly oneLine?: boolean;
  /**
   * Gives way before the other columns (down to MIN_COLUMN): for a column that only decorates an id
   * beside it (an account name), so the columns that carry the finding stay whole longer.
   */
  readonly yieldsFirst?: boolean;
}

/** `arn:aws:iam::2222…mfa/root`: start and end kept, the middle replaced by one ellipsis. */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return ELLIPSIS.slice(0, max);
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}${ELLIPSIS}${text.slice(text.length - (keep - head))}`;
}

/** Greedy word wrap to `width`; paragraphs (`\n`) stay apart; an over-long word is shortened in the middle. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((part) => part !== '')) {
      const fitted = shortenMiddle(word, width);
      if (line === '') {
        line = fitted;
      } else if (line.length + 1 + fitted.length <= width) {
        line = `${line} ${fitted}`;
      } else {
        lines.push(line);
        line = fitted;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Column widths (content only, without padding and borders) whose table fits `width`. Columns start
 * at their natural width; while the table is too wide the widest column that may shrink gives one
 * character, so the free-text columns shrink first and evenly, and `whole` columns never do.
 */
export function fitColumns(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number,
): number[] {
  const natural = columns.map((column, index) =>
    Math.max(
      column.title.length,
      ...rows.flatMap((row) => (row[index] ?? '').split('\n').map((line) => line.length)),
    ),
  );
  const widths = [...natural];
  // Each column has one space of padding either side and one border; plus the closing border.
  const chrome = columns.length * 3 + 1;
  let excess = widths.reduce((sum, w) => sum + w, 0) + chrome - width;
  const longestWord = (texts: readonly string[]): number =>
    Math.max(0, ...texts.flatMap((text) => text.split(/\s+/).map((word) => word.length)));
  // First a column gives way down to its longest word (a long ARN counts as WORD_CAP: it may be
  // shortened rather than hold the table wide), then down to MIN_COLUMN, then, only if the
  // terminal is narrower than every column's minimum, further.
  const floors = columns.map((column, index) => {
    const own = natural[index] ?? 0;
    if (column.whole === true) return [own, own];
    const wordFloor = Math.max(
      longestWord([column.title]),
      Math.min(WORD_CAP, longestWord(rows.map((row) => row[index] ?? ''))),
      column.min ?? 0,
    );
    return [Math.min(own, wordFloor), Math.min(own, Math.max(MIN_COLUMN, column.min ?? 0))];
  });
  // Phase "first": only the yieldsFirst columns, down to MIN_COLUMN; then every column as above.
  for (const phase of ['first', 0, 1, 2] as const) {
    while (excess > 0) {
      let widest = -1;
      for (let index = 0; index < widths.length; index += 1) {
        if (phase === 'first' && columns[index]?.yieldsFirst !== true) continue;
        const limit =
          phase === 2
            ? 1
            : phase === 'first'
              ? Math.min(natural[index] ?? 0, MIN_COLUMN)
              : (floors[index]?.[phase] ?? 1);
        if ((widths[index] ?? 0) > limit && (widest === -1 || (widths[index] ?? 0) > (widths[widest] ?? 0))) {
          widest = index;
        }
      }
      if (widest === -1) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
      excess -= 1;
    }
  }
  return widths;
}

/** The cell's lines at `width`: wrapped, or for a one-line column joined and shortened in the middle. */
function cellLines(text: string, width: number, column: Column): string[] {
  if (column.oneLine === true) {
    return [shortenMiddle(text.replace(/\s*\n\s*/g, '; '), width)];
  }
  return wrapText(text, width).map((line) => shortenMiddle(line, width));
}

/**
 * Renders rows under `columns` in at most `width` characters a line. No colours: output is often
 * piped or pasted into tickets, and escape codes would corrupt both.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number = DEFAULT_WIDTH,
): string {
  const prepared = rows.map((row) =>
    columns.map((column, index) => {
      const text = row[index] ?? '';
      return column.oneLine === true ? text.replace(/\s*\n\s*/g, '; ') : text;
    }),
  );
  const widths = fitColumns(columns, prepared, width);
  const rule = (left: string, middle: string, right: string): string =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(middle)}${right}`;
  const line = (cells: readonly string[]): string =>
    `│${cells.map((cell, index) => ` ${cell.padEnd(widths[index] ?? 0)} `).join('│')}│`;
  const block = (cells: readonly string[]): string[] => {
    const wrapped = columns.map((column, index) => cellLines(cells[index] ?? '', widths[index] ?? 0, column));
    const height = Math.max(1, ...wrapped.map((lines) => lines.length));
    return Array.from({ length: height }, (_unused, lineIndex) =>
      line(wrapped.map((lines) => lines[lineIndex] ?? '')),
    );
  };
  const multiLine = prepared.some((row) =>
    row.some(
      (cell, index) =>
        columns[index]?.oneLine !== true && (cell.includes('\n') || cell.length > (widths[index] ?? 0)),
    ),
  );
  const out = [rule('┌', '┬', '┐'), ...block(columns.map((column) => column.title)), rule('├', '┼', '┤')];
  prepared.forEach((row, index) => {
    // Row separators only when a row can span several lines; one-line rows read better dense.
    if (index > 0 && multiLine) out.push(rule('├', '┼', '┤'));
    out.push(...block(row));
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
