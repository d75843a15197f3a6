import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ZIP = join(ROOT, 'layer/dist/lambda-baton-layer.zip');

beforeAll(() => {
  // `npm test` builds the layer first; a file run alone builds it here (esbuild, about a second).
  try {
    statSync(ZIP);
  } catch {
    execFileSync(process.execPath, ['layer/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
  }
});

/** The bench table's row for `measure`, split into cells (README, between bench:start and bench:end). */
function benchRow(measure: string): string[] {
  const table = README.slice(README.indexOf('<!-- bench:start -->'), README.indexOf('<!-- bench:end -->'));
  const row = table.split('\n').find((line) => line.startsWith(`| ${measure}`));
  if (row === undefined) throw new Error(`no bench row "${measure}"`);
  return row.split('|').map((cell) => cell.trim());
}

describe('the README’s numbers', () => {
  it('gives the layer zip’s size as built, within a kilobyte, where it describes the layer', () => {
    const claimed = /lambda-baton-layer\.zip`, about (\d+) KB/.exec(README)?.[1];
    expect(claimed).toBeDefined();
    expect(Math.abs(Number(claimed) - statSync(ZIP).size / 1024)).toBeLessThanOrEqual(1);
  });

  it('states in the introduction the cold-start cost that the benchmark table measured, for each way of loading it', () => {
    const intro = README.slice(0, README.indexOf('## Quick start'));
    for (const [said, row] of [
      ['npm package as installed', "cold start, npm package as installed (node_modules, unbundled), wall"],
      ['the layer', 'cold start, the layer, through its exec wrapper, wall'],
      ['handler pointed at the layer\'s', "cold start, the layer, handler set to the layer's (as the Serverless plugin does), wall"],
      ['bundled into the handler', 'cold start, bundled into the handler with esbuild, wall'],
    ] as const) {
      const claimed = new RegExp(`${said} \\(([\\d.]+)×, \\+(\\d+) ms`).exec(intro);
      expect(claimed, `the introduction states the cold-start ratio and delta of ${said}`).not.toBeNull();
      const [, ratio, delta] = /([\d.]+)× \(\+([\d.]+) ms/.exec(benchRow(row)[4] ?? '') ?? [];
      expect(Number(claimed?.[1]), said).toBeCloseTo(Number(ratio), 1);
      expect(Number(claimed?.[2]), said).toBe(Math.round(Number(delta)));
    }
  });

  it('states in the introduction the floor that the benchmark table measured, in wall time and in instructions', () => {
    const intro = README.slice(0, README.indexOf('## Quick start'));
    const claimed = /nothing of ours[^)]*\), is ([\d.]+)× \(\+(\d+) ms\)\s+and ([\d.]+)× in instructions/.exec(intro);
    expect(claimed, 'the introduction states the floor').not.toBeNull();
    const floor = 'the floor: the API with its context manager, one connection, one request written, bundled (no lambda-baton)';
    const [, ratio, delta] = /([\d.]+)× \(\+([\d.]+) ms/.exec(benchRow(`cold start, ${floor}, wall`)[4] ?? '') ?? [];
    expect(Number(claimed?.[1])).toBe(Number(ratio));
    expect(Number(claimed?.[2])).toBe(Math.round(Number(delta)));
    const [, instructions] = /^([\d.]+)×/.exec(benchRow(`cold start instructions, ${floor}`)[4] ?? '') ?? [];
    expect(Number(claimed?.[3])).toBe(Number(instructions));
  });

  it('states in the introduction the cold-start instruction counts that the benchmark table measured', () => {
    const intro = README.slice(0, README.indexOf('## Quick start'));
    const claimed = /counted in instructions[^.]*?([\d.]+)×, ([\d.]+)× \(handler pointed at the layer's\) and ([\d.]+)× \(bundled\)/.exec(intro);
    expect(claimed, 'the introduction states the instruction ratios').not.toBeNull();
    const rows = [
      'cold start instructions, npm package as installed (node_modules, unbundled)',
      "cold start instructions, the layer, handler set to the layer's (as the Serverless plugin does)",
      'cold start instructions, bundled into the handler with esbuild',
    ];
    rows.forEach((row, i) => {
      const [, ratio] = /^([\d.]+)×/.exec(benchRow(row)[4] ?? '') ?? [];
      expect(Number(claimed?.[i + 1]), row).toBe(Number(ratio));
    });
  });
});
