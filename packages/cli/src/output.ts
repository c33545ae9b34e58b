import type { Context, OptionDef } from './command.js';

/**
 * Results of the provider's commands (issue 15 item 6): a human table on a terminal, one
 * JSON document for scripts — with `--json`, or whenever stdout is not a terminal (a pipe,
 * a file), so that scripts written before keep working.
 */
export const JSON_OR_TABLE = {
  type: 'boolean',
  description: 'Print the result as one JSON document (the default when stdout is not a terminal).',
} as const satisfies OptionDef;

/** A column of a table: its heading and the cell of a row. */
export type Column<T> = readonly [heading: string, cell: (row: T) => unknown];

const cellText = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
};

/** Rows under headings, columns padded to their widest cell. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map(([heading]) => heading),
    ...rows.map((row) => columns.map(([, cell]) => cellText(cell(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const lines = cells.map((line) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, rows.length === 0 ? '(none)' : `(${rows.length})`].join('\n');
}

/** One record as `field  value` lines. */
export function renderRecord(record: Record<string, unknown>): string {
  const entries = Object.entries(record).filter(([, v]) => v !== undefined);
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`).join('\n');
}

const asJson = (value: unknown) => JSON.stringify(value, null, 2);

/** Prints a list: a table on a terminal, JSON otherwise. */
export function printList<T>(
  context: Context,
  values: { json?: boolean },
  rows: readonly T[],
  columns: readonly Column<T>[],
): void {
  context.out(values.json || !context.isTTY ? asJson(rows) : renderTable(rows, columns));
}

/** Prints one result: `field  value` lines on a terminal, JSON otherwise. */
export function printRecord(context: Context, values: { json?: boolean }, record: Record<string, unknown>): void {
  context.out(values.json || !context.isTTY ? asJson(record) : renderRecord(record));
}
