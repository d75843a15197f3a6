import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('gives Node a build that requires @opentelemetry/api, and a bundler one that imports it, so a bundle holds it whole', async () => {
    const { build } = await import('esbuild');
    // Node: the ES module build takes the API through require (README, "Why one file").
    expect(readFileSync(join(ROOT, 'dist/index.js'), 'utf8')).toContain('createRequire(import.meta.url)("@opentelemetry/api")');
    // A bundler (esbuild here) matches the `module` condition and follows a plain import.
    writeFileSync(join(consumer, 'app.mjs'), `import { withTracing } from 'lambda-baton';\nexport const handler = withTracing(async () => 'ok');\n`);
    const result = await build({ entryPoints: [join(consumer, 'app.mjs')], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent', absWorkingDir: consumer });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith('dist/bundler/index.js')), inputs.join(', ')).toBe(true);
    expect(inputs.some((input) => input.includes('@opentelemetry/api/')), inputs.join(', ')).toBe(true);
    expect(result.outputFiles[0]?.text).not.toContain('createRequire(import.meta.url)("@opentelemetry/api")');
    // The bundle runs where there is no node_modules at all.
    const alone = mkdtempSync(join(tmpdir(), 'baton-bundled-'));
    try {
      writeFileSync(join(alone, 'app.mjs'), result.outputFiles[0]?.text ?? '');
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const { handler } = await import(${JSON.stringify(join(alone, 'app.mjs'))}); process.stdout.write(String(await handler({}, {})));`], { cwd: alone, encoding: 'utf8', env: { PATH: process.env['PATH'], OTEL_TRACES_EXPORTER: 'none' } });
      expect(out).toBe('ok');
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
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
