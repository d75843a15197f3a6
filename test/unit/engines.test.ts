import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  readonly name: string;
  readonly engines?: { readonly node?: string };
  readonly dependencies?: Record<string, string>;
}

const read = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Where Node finds `name` from `dir`: the nearest node_modules/<name> up the tree. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (from ${from})`);
  }
}

/** Every package an install of ours brings (dependencies, transitively), with its engines.node. */
function runtimeEngines(): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  const visit = (dir: string): void => {
    for (const name of Object.keys(read(dir).dependencies ?? {})) {
      const child = packageDir(name, dir);
      if (found.has(`${name}@${child}`)) continue;
      found.set(`${name}@${child}`, read(child).engines?.node);
      visit(child);
    }
  };
  visit(ROOT);
  return found;
}

type Version = readonly [number, number, number];
const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * The lowest Node version a range admits, for the forms packages use in `engines`
 * (`>=22.15.0`, `^18.19.0 || >=20.6.0`, `18 || 20`): the smallest lower bound of its alternatives.
 */
function lowestAdmitted(range: string): Version {
  const bounds = range.split('||').map((alternative) => parse(alternative.trim().replace(/^(>=|\^|~|=|v)+/, '').split(/\s/)[0] ?? '0'));
  return bounds.reduce((low, bound) => (compare(bound, low) < 0 ? bound : low));
}

describe('package.json engines', () => {
  it('admits no Node version that a runtime dependency declares it does not support', () => {
    const ours = read(ROOT).engines?.node;
    expect(ours).toBeDefined();
    const floor = lowestAdmitted(ours ?? '');
    const below: string[] = [];
    for (const [name, range] of runtimeEngines()) {
      if (range !== undefined && compare(floor, lowestAdmitted(range)) < 0) below.push(`${name.split('@/')[0]} needs ${range}`);
    }
    expect(below).toEqual([]);
  });

  it('admits the Node versions of the Lambda runtimes the layer is built for (nodejs22.x, nodejs24.x)', () => {
    const floor = lowestAdmitted(read(ROOT).engines?.node ?? '');
    // nodejs22.x has run 22.15 or later since 2025 (AWS Lambda runtimes, "Node.js"): the floor is not above it.
    expect(compare(floor, [22, 15, 0])).toBeLessThanOrEqual(0);
  });

  it('reads engines ranges as npm writes them', () => {
    expect(lowestAdmitted('>=22.15.0')).toEqual([22, 15, 0]);
    expect(lowestAdmitted('^18.19.0 || >=20.6.0')).toEqual([18, 19, 0]);
    expect(lowestAdmitted('>=8.0.0')).toEqual([8, 0, 0]);
    expect(lowestAdmitted('20 || 22')).toEqual([20, 0, 0]);
  });
});
