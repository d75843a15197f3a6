/**
 * Every `[lambda-baton]` diagnostic that src/ can print has a row in the README's
 * Troubleshooting section. The messages are read from the source (the string passed as
 * `diagnose`'s second argument, template parts as wildcards), so a new diagnostic without a
 * row fails here, by its text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Reads the string literal starting at `at` (quote or backtick); its literal pieces and where it ends. */
function readLiteral(text: string, at: number): { pieces: string[]; end: number } {
  const quote = text[at];
  if (quote !== "'" && quote !== '"' && quote !== '`') throw new Error(`no string literal at ${at}: ${text.slice(at, at + 40)}`);
  const pieces: string[] = [];
  let piece = '';
  let i = at + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      piece += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === quote) {
      pieces.push(piece);
      return { pieces, end: i + 1 };
    }
    if (quote === '`' && ch === '$' && text[i + 1] === '{') {
      // A template part: skip to its matching brace, nested braces and strings included.
      pieces.push(piece);
      piece = '';
      let depth = 1;
      i += 2;
      while (depth > 0 && i < text.length) {
        const c = text[i];
        if (c === "'" || c === '"' || c === '`') {
          i = readLiteral(text, i).end;
          continue;
        }
        if (c === '{') depth += 1;
        if (c === '}') depth -= 1;
        i += 1;
      }
      continue;
    }
    piece += ch;
    i += 1;
  }
  throw new Error(`unterminated string literal at ${at}`);
}

interface Diagnostic {
  where: string;
  pieces: string[];
  /** The stable text matched in the README: the start of the message's longest literal piece. */
  key: string;
}

function diagnostics(): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bdiagnose\(/g)) {
      let i = (match.index ?? 0) + match[0].length;
      if (text.startsWith('key: string', i)) continue; // the definition itself
      while (/\s/.test(text[i] ?? '')) i += 1;
      i = readLiteral(text, i).end; // the key
      while (/[\s,]/.test(text[i] ?? '')) i += 1;
      const { pieces } = readLiteral(text, i);
      const longest = pieces.map((p) => p.trim()).reduce((a, b) => (b.length > a.length ? b : a), '');
      const key = longest.length <= 40 ? longest : longest.slice(0, longest.lastIndexOf(' ', 40)).trim();
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ where: `${relative(ROOT, file)}:${line}`, pieces, key });
    }
  }
  return found;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ');

function troubleshooting(): string {
  const start = README.indexOf('\n## Troubleshooting\n');
  if (start < 0) throw new Error('the README has no Troubleshooting section');
  const end = README.indexOf('\n## ', start + 1);
  return squash(README.slice(start, end < 0 ? undefined : end));
}

const ALL = diagnostics();

describe("the README's Troubleshooting section", () => {
  it('finds the diagnostics of src (the extraction itself works)', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(40);
    for (const d of ALL) expect(d.key.length, d.where).toBeGreaterThan(5);
    // A known message, to be sure template parts are wildcards and literal text is kept.
    expect(ALL.map((d) => d.pieces)).toContainEqual(['could not read the trace context of a ', ' event; the invocation starts a new trace']);
  });

  it.each(ALL.map((d) => [d.key, d] as const))('mentions “%s”', (_key, d) => {
    expect(troubleshooting(), `${d.where}: ${d.pieces.join('…')}`).toContain(squash(d.key));
  });
});
