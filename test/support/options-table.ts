/** The README's configuration table as src/options.ts says it should be, row by row. */
import { OPTIONS, allowedText } from '../../src/options.js';
import type { OptionRow } from '../../src/options.js';

export const TABLE_HEADER = ['option', 'environment variable', 'default', 'allowed', 'meaning'] as const;

export function expectedCells(row: OptionRow): string[] {
  return [`\`${row.name}\``, row.env.map((v) => `\`${v}\``).join(', else '), row.defaultText, allowedText(row), row.meaning];
}

export function expectedTable(): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`.replace(/ {2,}/g, ' ');
  return [line(TABLE_HEADER), `|${TABLE_HEADER.map(() => '---').join('|')}|`, ...(OPTIONS as readonly OptionRow[]).map((row) => line(expectedCells(row)))].join('\n');
}
