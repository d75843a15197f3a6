import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/ensure-built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string> | string> };

/** The value exports of src/index.ts when this test was written, with what each one is. */
const PUBLIC_API: Record<string, 'function' | 'string' | 'object'> = {
  withTracing: 'function',
  withRecord: 'function',
  instrumentLambdaClient: 'function',
  inspectEvent: 'function',
  detectTrigger: 'function',
  ENVELOPE_KEY: 'string',
  TRIGGERS: 'object',
};

// ---------------------------------------------------------------- building dist once

/*
 * Test files run in parallel and the build script starts by deleting dist/, so builds are
 * serialised with a lock directory (shared with cli.test.ts) and skipped when dist/ is newer
 * than every source file.
 */

// ---------------------------------------------------------------- a consumer project

/** A project that depends on lambda-baton the way an installed package is found: node_modules. */
let consumer = '';

function node(args: readonly string[]): string {
  return execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', env: { PATH: process.env['PATH'] }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Describe a module namespace: each name and its typeof, plus one inspectEvent result. */
const DESCRIBE = `
  const names = Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
  const kinds = Object.fromEntries(names.map((k) => [k, typeof m[k]]));
  const probe = m.inspectEvent({ _baton: { traceparent: '00-0f020003000100000000000000000001-0f02000300010001-01' } }, {}, {});
  process.stdout.write(JSON.stringify({ kinds, probe }));
`;

interface Described {
  readonly kinds: Record<string, string>;
  readonly probe: { trigger: string; parent: { traceId: string; source: string } | null };
}

beforeAll(async () => {
  await ensureBuilt();
  consumer = mkdtempSync(join(tmpdir(), 'baton-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(ROOT, join(consumer, 'node_modules', 'lambda-baton'), 'dir');
});

afterAll(() => {
  if (consumer !== '') rmSync(consumer, { recursive: true, force: true });
});

describe('the package as a dependency', () => {
  it('loads from ESM with import("lambda-baton") and exposes the public API', () => {
    const described = JSON.parse(node(['--input-type=module', '-e', `const m = await import('lambda-baton');${DESCRIBE}`])) as Described;
    for (const [name, kind] of Object.entries(PUBLIC_API)) expect(described.kinds[name], name).toBe(kind);
    expect(described.probe).toMatchObject({ trigger: 'invoke', parent: { traceId: '0f020003000100000000000000000001', source: 'invoke._baton.traceparent' } });
  });

  it('loads from CommonJS with require("lambda-baton") and exposes the public API', () => {
    const described = JSON.parse(node(['-e', `const m = require('lambda-baton');${DESCRIBE}`])) as Described;
    for (const [name, kind] of Object.entries(PUBLIC_API)) expect(described.kinds[name], name).toBe(kind);
    expect(described.probe).toMatchObject({ trigger: 'invoke', parent: { traceId: '0f020003000100000000000000000001' } });
  });

  it('exposes the same names from ESM and CommonJS', () => {
    const esm = JSON.parse(node(['--input-type=module', '-e', `const m = await import('lambda-baton');${DESCRIBE}`])) as Described;
    const cjs = JSON.parse(node(['-e', `const m = require('lambda-baton');${DESCRIBE}`])) as Described;
    expect(cjs.kinds).toEqual(esm.kinds);
  });

  it('resolves through package.json exports: import and require reach dist/index.js and dist/index.cjs', () => {
    const esm = node(['--input-type=module', '-e', `process.stdout.write(import.meta.resolve('lambda-baton'))`]);
    const cjs = node(['-e', `process.stdout.write(require.resolve('lambda-baton'))`]);
    // Node resolves the symlink to the real path, as it does for an installed package.
    expect(fileURLToPath(esm)).toBe(join(ROOT, 'dist/index.js'));
    expect(cjs).toBe(join(ROOT, 'dist/index.cjs'));
  });

  it('keeps everything but the exports map private', () => {
    const run = (code: string) => {
      try {
        node(['-e', code]);
        return 'loaded';
      } catch (error) {
        return String((error as { stderr?: string }).stderr);
      }
    };
    expect(run(`require('lambda-baton/dist/index.cjs')`)).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(run(`require('lambda-baton/package.json')`)).toBe('loaded');
  });

  it('lists types first in the exports map, and the files each condition names exist', () => {
    const root = pkg.exports['.'] as Record<string, string>;
    expect(Object.keys(root)[0]).toBe('types');
    for (const target of Object.values(root)) expect(existsSync(join(ROOT, target)), target).toBe(true);
  });
});
