/**
 * The one table of options (src/options.ts) against what is derived from it and what is
 * written about it: the README's configuration table, `BatonOptions`, the resolved
 * configuration and the plugin's schema.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { BatonOptions } from '../../src/config.js';
import { OPTIONS } from '../../src/options.js';
import type { OptionName, OptionRow } from '../../src/options.js';
import { PROPAGATOR_NAMES } from '../../src/propagation/propagators.js';
import { OPTIONS_SCHEMA } from '../../src/serverless/options.js';
import { TABLE_HEADER, expectedCells, expectedTable } from '../support/options-table.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const rows = OPTIONS as readonly OptionRow[];

/** The rows of the first table in the README's "Configuration" section, as cells. */
function readmeTable(): string[][] {
  const section = README.slice(README.indexOf('\n## Configuration\n'));
  const body = section.slice(0, section.indexOf('\n## ', 1));
  const lines = body.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const table: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    table.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return table;
}

describe("the README's configuration table", () => {
  const table = readmeTable();

  it('has the columns option, environment variable, default, allowed, meaning', () => {
    expect(table[0]).toEqual([...TABLE_HEADER]);
  });

  it('has one row per option, in the order of src/options.ts', () => {
    const names = table.slice(2).map((cells) => cells[0]);
    expect(names, `expected the table:\n${expectedTable()}`).toEqual(rows.map((row) => `\`${row.name}\``));
  });

  it.each(rows.map((row) => [row.name, row] as const))('states %s as the table does: variables, default, bounds, meaning', (name, row) => {
    const cells = table.find((c) => c[0] === `\`${name}\``);
    expect(cells, `expected the row:\n| ${expectedCells(row).join(' | ')} |`).toEqual(expectedCells(row));
  });

  it('states every number option with its bounds', () => {
    for (const row of rows) {
      if (row.kind.type !== 'number') continue;
      const cells = table.find((c) => c[0] === `\`${row.name}\``);
      expect(cells?.[3]).toBe(`${row.kind.min} to ${row.kind.max}`);
    }
  });

  it('states the defaults that resolveConfig uses', () => {
    const config = resolveConfig({}, {});
    for (const row of rows) {
      const cell = row.defaultText;
      const literal = /^`([^`]*)`$/.exec(cell)?.[1];
      if (literal === undefined) continue;
      const key = row.name === 'endpoint' ? 'tracesEndpoint' : row.name;
      const value = (config as unknown as Record<string, unknown>)[key];
      if (row.name === 'endpoint') expect(value).toBe(`${literal}/v1/traces`);
      else if (row.name === 'samplerArg') expect(value ?? 1).toBe(Number(literal));
      else expect(String(value)).toBe(literal);
    }
  });
});

describe('the table and the code', () => {
  it('names exactly the keys of BatonOptions', () => {
    expectTypeOf<keyof BatonOptions>().toEqualTypeOf<OptionName>();
    // And at run time: each row's option is read by resolveConfig, so giving it a value changes the configuration.
    const config = resolveConfig({}, {});
    for (const row of rows) {
      const key = row.name === 'endpoint' ? 'tracesEndpoint' : row.name;
      expect(Object.keys(config)).toContain(key);
    }
  });

  it("reads each row's variables, first one first", () => {
    for (const row of rows) {
      if (row.kind.type !== 'boolean') continue;
      const [first, second] = row.env;
      const fallback = (resolveConfig({}, {}) as unknown as Record<string, boolean>)[row.name];
      const flipped = String(!fallback);
      expect((resolveConfig({}, { [first as string]: flipped }) as unknown as Record<string, boolean>)[row.name], row.name).toBe(!fallback);
      if (second !== undefined) {
        expect((resolveConfig({}, { [second]: flipped }) as unknown as Record<string, boolean>)[row.name], row.name).toBe(!fallback);
        expect((resolveConfig({}, { [first as string]: String(fallback), [second]: flipped }) as unknown as Record<string, boolean>)[row.name], row.name).toBe(fallback);
      }
    }
  });

  it('gives the plugin every option, by the same name, and the propagators of src/propagation/propagators.ts', () => {
    const keys = Object.keys(OPTIONS_SCHEMA.properties);
    for (const row of rows) expect(keys).toContain(row.name);
    expect(keys.sort()).toEqual([...rows.map((r) => r.name), 'lambdaClient', 'layer'].sort());
    expect(OPTIONS_SCHEMA.properties['propagators']).toEqual({ type: 'array', items: { enum: PROPAGATOR_NAMES } });
  });
});
