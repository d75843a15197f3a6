import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/ensure-built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Conditions = { [condition: string]: string | Conditions };
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Conditions | string> };

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
  // What a TypeScript consumer installs beside us: the Lambda types, Node's, middy.
  mkdirSync(join(consumer, 'node_modules', '@middy'));
  symlinkSync(join(ROOT, 'node_modules/@types'), join(consumer, 'node_modules', '@types'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@middy/core'), join(consumer, 'node_modules', '@middy', 'core'), 'dir');
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

  it('gives Node builds that hold @opentelemetry/api whole, and a bundler one that imports it, so a bundle holds one copy', async () => {
    const { build } = await import('esbuild');
    // Node: one file each, the API inside (README, "Why one file").
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/middy.js', 'dist/middy.cjs']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/(from|require\(|import\()\s*["']@opentelemetry\/api["']/);
      expect(text, file).toContain('opentelemetry.js.api.');
    }
    // A bundler (esbuild here) matches the `module` condition and follows a plain import.
    writeFileSync(join(consumer, 'app.mjs'), `import { withTracing } from 'lambda-baton';\nexport const handler = withTracing(async () => 'ok');\n`);
    const result = await build({ entryPoints: [join(consumer, 'app.mjs')], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent', absWorkingDir: consumer });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith('dist/bundler/index.js')), inputs.join(', ')).toBe(true);
    expect(inputs.some((input) => input.includes('@opentelemetry/api/')), inputs.join(', ')).toBe(true);
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

  it.each([
    ['CommonJS', `const { withTracing } = require('lambda-baton'); const api = require('@opentelemetry/api');`, []],
    ['ES module', `const { withTracing } = await import('lambda-baton'); const api = await import('@opentelemetry/api');`, ['--input-type=module']],
  ])('nests spans made with the function’s own @opentelemetry/api under the invocation span (%s)', (_kind, imports, flags) => {
    // The function's own copy of the API, beside the one bundled into ours.
    const own = join(consumer, 'node_modules', '@opentelemetry', 'api');
    if (!existsSync(own)) {
      mkdirSync(join(consumer, 'node_modules', '@opentelemetry'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules/@opentelemetry/api'), own, 'dir');
    }
    const script = `${imports}
      const handler = withTracing(async () => {
        const invocation = api.trace.getActiveSpan();
        const child = api.trace.getTracer('mine').startSpan('work');
        child.end();
        return { invocation: invocation?.spanContext(), recording: invocation?.isRecording(), childParent: child.parentSpanContext?.spanId, childTrace: child.spanContext().traceId };
      });
      handler({}, { functionName: 'f', awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', getRemainingTimeInMillis: () => 3000 })
        .then((r) => process.stdout.write(JSON.stringify(r)));`;
    const out = execFileSync(process.execPath, [...flags, '-e', script], { cwd: consumer, encoding: 'utf8', env: { PATH: process.env['PATH'], OTEL_TRACES_EXPORTER: 'none', AWS_LAMBDA_FUNCTION_NAME: 'f' } });
    const result = JSON.parse(out) as { invocation?: { traceId: string; spanId: string }; recording?: boolean; childParent?: string; childTrace: string };
    expect(result.recording).toBe(true);
    expect(result.childParent).toBe(result.invocation?.spanId);
    expect(result.childTrace).toBe(result.invocation?.traceId);
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
    for (const mode of ['import', 'require']) {
      const root = (pkg.exports['.'] as unknown as Record<string, Record<string, string>>)[mode] ?? {};
      expect(Object.keys(root)[0], mode).toBe('types');
      for (const target of Object.values(root)) expect(existsSync(join(ROOT, target)), target).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- a TypeScript consumer

/**
 * A consumer's own code, strict, using every entry point's types the way the README shows.
 * Each `@ts-expect-error` must be an error, or tsc reports the directive as unused.
 */
const consumerSource = (withMiddy: boolean) => `
${withMiddy ? `import middy from '@middy/core';` : ''}
import type { APIGatewayProxyEvent, APIGatewayProxyHandler, APIGatewayProxyResult, Context, SQSHandler } from 'aws-lambda';
import { withRecord, withTracing } from 'lambda-baton';
import type { BatonOptions, Carrier, TracedHandler, Trigger } from 'lambda-baton';
import { traced, tracingMiddleware } from 'lambda-baton/middy';
void traced;
void tracingMiddleware;
import type { MiddyRequestLike } from 'lambda-baton/middy';
import plugin = require('lambda-baton/serverless');

const options: BatonOptions = { serviceName: 'orders' };
export const api: APIGatewayProxyHandler = withTracing(async (event: APIGatewayProxyEvent) => ({ statusCode: 200, body: event.path }), options);
export const typed: TracedHandler<APIGatewayProxyEvent, { statusCode: number; body: string }> = withTracing(async (event: APIGatewayProxyEvent) => ({ statusCode: 200, body: event.path }));
export const queue: SQSHandler = withTracing<SQSHandler>(async (event) => {
  for (const record of event.Records) await withRecord(record, async () => record.body);
});
${withMiddy ? `const middyHandler = traced(middy<APIGatewayProxyEvent, APIGatewayProxyResult>()).use(tracingMiddleware()).handler(async (event) => ({ statusCode: 200, body: event.path }));
export const mw: APIGatewayProxyHandler = middyHandler;` : 'export type Result = APIGatewayProxyResult;'}
export async function call(event: APIGatewayProxyEvent, context: Context): Promise<string> {
  return (await typed(event, context)).body;
}
export const names: [Carrier['path'], Trigger['name'], MiddyRequestLike['internal']] = ['x', 'sqs', undefined];
export const Plugin: new (...args: never[]) => { readonly hooks: Record<string, () => void> } = plugin;
// @ts-expect-error the result of a traced API handler is the handler's
export const wrong: Promise<number> = typed({} as APIGatewayProxyEvent, {} as Context);
`;

function compileConsumer(compilerOptions: Record<string, string | boolean>, type: 'module' | 'commonjs', withMiddy = true): string {
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  writeFileSync(join(consumer, 'index.ts'), consumerSource(withMiddy));
  // skipLibCheck as most projects set it; the node10 and CommonJS cases check our declarations too.
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, types: ['node'], esModuleInterop: true, ...compilerOptions }, files: ['index.ts'] };
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return 'compiled';
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
}

describe('the package’s types in a TypeScript consumer', () => {
  it('resolve with "moduleResolution": "node" (node10, TypeScript’s default for commonjs), middy and serverless through typesVersions', () => {
    expect(compileConsumer({ module: 'commonjs', moduleResolution: 'node', skipLibCheck: false }, 'commonjs')).toBe('compiled');
  }, 120_000);

  it('resolve with "moduleResolution": "node16" in a CommonJS project, through the exports map’s require types', () => {
    // Without middy: @middy/core is ESM only, which TypeScript does not let CommonJS import.
    expect(compileConsumer({ module: 'node16', moduleResolution: 'node16', skipLibCheck: false }, 'commonjs', false)).toBe('compiled');
  }, 120_000);

  it('resolve with "moduleResolution": "node16" in an ES module project', () => {
    expect(compileConsumer({ module: 'node16', moduleResolution: 'node16' }, 'module')).toBe('compiled');
  }, 120_000);

  it('resolve with "moduleResolution": "bundler"', () => {
    expect(compileConsumer({ module: 'preserve', moduleResolution: 'bundler' }, 'module')).toBe('compiled');
  }, 120_000);

  it('point every exports entry’s types condition at a declaration that exists', () => {
    const typesOf = (target: Conditions | string): string[] =>
      typeof target === 'string' ? [] : Object.entries(target).flatMap(([condition, value]) => (condition === 'types' && typeof value === 'string' ? [value] : typesOf(value)));
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (entry === './package.json') continue;
      const types = typesOf(target);
      expect(types.length, entry).toBeGreaterThan(0);
      for (const file of types) expect(existsSync(join(ROOT, file)), file).toBe(true);
    }
  });
});
