import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFieldName, isFieldValue } from '../../src/tracer/header-rules.js';

/** What Node's own validators say, as a boolean. */
function nodeAcceptsName(name: string): boolean {
  try {
    validateHeaderName(name);
    return true;
  } catch {
    return false;
  }
}
function nodeAcceptsValue(value: string): boolean {
  try {
    validateHeaderValue('x-probe', value);
    return true;
  } catch {
    return false;
  }
}

// Strings drawn mostly from the edges of the rules: separators, controls, obs-text, beyond Latin-1.
const EDGES = ['a', 'Z', '0', '-', '_', '~', '!', '`', '|', ' ', '\t', '\r', '\n', '\0', '\x7f', '\x80', '\xff', 'Ā', '☃', ':', '"', '(', ',', '/', ';', '=', '@', '[', '\\', '{'];
const edgy = fc.array(fc.oneof(fc.constantFrom(...EDGES), fc.string({ maxLength: 1, unit: 'binary' })), { maxLength: 12 }).map((parts) => parts.join(''));

describe('header field rules without node:http', () => {
  it('accept exactly the field names node:http accepts', () => {
    fc.assert(fc.property(edgy, (name) => {
        expect(isFieldName(name)).toBe(nodeAcceptsName(name));
      }), { numRuns: 2000 });
  });

  it('accept exactly the field values node:http accepts', () => {
    fc.assert(fc.property(edgy, (value) => {
        expect(isFieldValue(value)).toBe(nodeAcceptsValue(value));
      }), { numRuns: 2000 });
  });

  it('agree with node:http on every single character', () => {
    for (let code = 0; code <= 0x17f; code++) {
      const c = String.fromCharCode(code);
      expect(isFieldName(c), `name ${code}`).toBe(nodeAcceptsName(c));
      expect(isFieldValue(`a${c}b`), `value ${code}`).toBe(nodeAcceptsValue(`a${c}b`));
    }
  });

  it('reject an empty name and accept an empty value, as node:http does', () => {
    expect(isFieldName('')).toBe(nodeAcceptsName(''));
    expect(isFieldValue('')).toBe(nodeAcceptsValue(''));
  });
});
