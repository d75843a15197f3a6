import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidTraceState } from '../../src/propagation/tracecontext.js';

/*
 * The grammar of W3C Trace Context, section 3.3.1, transcribed as patterns. The product's
 * validator is a character scan (it runs on every invocation); this is the reference it
 * must agree with on any input.
 */
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

function byGrammar(raw: string): boolean {
  const keys: string[] = [];
  for (const part of raw.split(',')) {
    const member = part.replace(/^[ \t]+|[ \t]+$/g, ''); // OWS around list-members
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return false;
    const key = member.slice(0, eq);
    if (!KEY.test(key) || !VALUE.test(member.slice(eq + 1)) || keys.includes(key)) return false;
    keys.push(key);
  }
  return keys.length <= 32;
}

/** Characters that matter to the grammar, and a few that must be refused. */
const char = fc.constantFrom(...'abz09_-*/@=, \t~!A\x7f\u00e9\n'.split(''));
const anyText = fc.string({ unit: char, maxLength: 60 });

const keyChar = fc.constantFrom(...'az09_-*/'.split(''));
const simpleKey = fc.tuple(fc.constantFrom('a', 'z'), fc.string({ unit: keyChar, maxLength: 8 })).map(([a, b]) => a + b);
const tenantKey = fc
  .tuple(fc.constantFrom('a', '0'), fc.string({ unit: keyChar, maxLength: 6 }), simpleKey)
  .map(([a, b, system]) => `${a}${b}@${system.slice(0, 14)}`);
const value = fc.string({ unit: fc.constantFrom(...'ab0 !~+<>'.split('')), minLength: 1, maxLength: 12 }).filter((v) => !v.endsWith(' '));
const member = fc.tuple(fc.oneof(simpleKey, tenantKey), value).map(([k, v]) => `${k}=${v}`);
const validList = fc.uniqueArray(member, { maxLength: 32, selector: (m) => m.slice(0, m.indexOf('=')) }).map((members) => members.join(' ,\t'));

describe('tracestate validation', () => {
  it('agrees with the W3C grammar on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        expect(isValidTraceState(raw)).toBe(byGrammar(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the W3C grammar on lists built from valid and broken members', () => {
    const piece = fc.oneof(member, member, anyText, fc.constant(''), fc.constant(' '));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const raw = parts.join(',');
        expect(isValidTraceState(raw)).toBe(byGrammar(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts any list of up to 32 valid members with distinct keys', () => {
    fc.assert(
      fc.property(validList, (raw) => {
        expect(isValidTraceState(raw)).toBe(true);
      }),
    );
  });

  it('reads several header values as one list', () => {
    expect(isValidTraceState(['rojo=00f067aa0ba902b7', 'congo=t61rcWkgMzE'])).toBe(true);
    expect(isValidTraceState(['rojo=1', 'rojo=2'])).toBe(false);
  });

  it('refuses a 33rd member, a duplicate key and keys or values at their length limits plus one', () => {
    const members = Array.from({ length: 33 }, (_, i) => `k${i}=v`);
    expect(isValidTraceState(members.slice(0, 32).join(','))).toBe(true);
    expect(isValidTraceState(members.join(','))).toBe(false);
    expect(isValidTraceState(`a${'b'.repeat(255)}=v`)).toBe(true);
    expect(isValidTraceState(`a${'b'.repeat(256)}=v`)).toBe(false);
    expect(isValidTraceState(`k=${'v'.repeat(256)}`)).toBe(true);
    expect(isValidTraceState(`k=${'v'.repeat(257)}`)).toBe(false);
    expect(isValidTraceState(`t@${'s'.repeat(14)}=v`)).toBe(true);
    expect(isValidTraceState(`t@${'s'.repeat(15)}=v`)).toBe(false);
  });
});
