/**
 * What a cold start loads before the first invocation, with the default configuration, on
 * each path users load us: node-internal modules beyond a bare function's, and the files.
 * A change that pulls in a heavy module (node:http, node:tls, a whole OpenTelemetry package)
 * fails here by name, instead of silently adding milliseconds (`npm run bench` measures them).
 *
 * The expected lists are test/unit/cold-start-loads.json, per Node major version. After a
 * change that loads something new on purpose, regenerate them and review the diff:
 *   BATON_UPDATE_LOADS=1 npx vitest run test/unit/cold-start-loads.test.ts
 * (with each Node version on PATH whose entry should change).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/ensure-built.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXPECTED_FILE = join(ROOT, 'test/unit/cold-start-loads.json');
const LAYER_HANDLER = join(ROOT, 'layer/dist/opt/nodejs/node_modules/lambda-baton/handler.mjs');
const MAJOR = process.versions.node.split('.')[0] ?? '';
const PATHS = ['npm-cjs', 'npm-esm', 'layer'] as const;

interface Loads {
  readonly internals: string[];
  readonly files: string[];
  /** Node-internal modules the first invocation loaded, its export included. */
  readonly invocation: string[];
}

let receiver: OtlpReceiver;

async function load(mode: string): Promise<Loads> {
  const env = {
    PATH: process.env['PATH'],
    AWS_LAMBDA_FUNCTION_NAME: 'loads',
    AWS_REGION: 'us-east-1',
    BATON_LAYER_HANDLER: LAYER_HANDLER,
    BATON_HANDLER: 'app.handler',
    LAMBDA_TASK_ROOT: join(ROOT, 'test/support/loads-function'),
    // The default endpoint's port, on a receiver of our own; `localhost`, as in the default.
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace('127.0.0.1', 'localhost'),
    // The first invocation waits for the collector's answer, so what handling it loads is listed too.
    BATON_EXPORT_WAIT: 'response',
  };
  // Not execFileSync: the receiver answers from this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', join(ROOT, 'test/support/cold-loads.mjs'), mode], { cwd: ROOT, env, encoding: 'utf8' });
  const loads = JSON.parse(stdout) as Loads;
  // Paths relative to the package, with / separators, so the lists read the same anywhere.
  return { internals: loads.internals, files: loads.files.map((file) => relative(ROOT, file).split(sep).join('/')), invocation: loads.invocation };
}

const actual: Record<string, Loads> = {};

beforeAll(async () => {
  await ensureBuilt();
  if (!existsSync(LAYER_HANDLER)) execFileSync(process.execPath, [join(ROOT, 'layer/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  receiver = await startOtlpReceiver();
  const bare = await load('bare');
  const bareInternals = new Set(bare.internals);
  const bareFiles = new Set(bare.files);
  const bareInvocation = new Set(bare.invocation);
  for (const mode of PATHS) {
    const loads = await load(mode);
    actual[mode] = {
      internals: loads.internals.filter((name) => !bareInternals.has(name)),
      files: loads.files.filter((file) => !bareFiles.has(file)),
      invocation: loads.invocation.filter((name) => !bareInvocation.has(name)),
    };
  }
  if (process.env['BATON_UPDATE_LOADS'] === '1') {
    const all = existsSync(EXPECTED_FILE) ? (JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, unknown>) : {};
    all[MAJOR] = actual;
    writeFileSync(EXPECTED_FILE, `${JSON.stringify(all, null, 2)}\n`);
  }
}, 120_000);

afterAll(() => receiver?.close());

function expected(): Record<string, Loads> {
  const all = JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, Record<string, Loads>>;
  const forMajor = all[MAJOR];
  if (forMajor === undefined) throw new Error(`no expected cold-start loads for Node ${MAJOR}: regenerate them (see the comment at the top of this file)`);
  return forMajor;
}

describe('what a cold start loads before the first invocation', () => {
  for (const mode of PATHS) {
    it(`${mode}: exactly the expected node-internal modules`, () => {
      expect(actual[mode]?.internals).toEqual(expected()[mode]?.internals);
    });

    it(`${mode}: exactly the expected files`, () => {
      expect(actual[mode]?.files).toEqual(expected()[mode]?.files);
    });

    it(`${mode}: exactly the expected node-internal modules in the first invocation and its export`, () => {
      expect(actual[mode]?.invocation).toEqual(expected()[mode]?.invocation);
    });
  }

  it('exported each first invocation to the collector, so what the export loads is in the lists', () => {
    // The bare function exports nothing; each traced path sends its invocation span.
    expect(receiver.spans.filter((span) => span.name === 'GET /orders/{id}').length).toBe(PATHS.length);
  });

  it('does not load perf_hooks, which the Lambda runtime never loads, before or during the first invocation', () => {
    // Reading the `performance` global loads it (2.4 ms of a Node 22 cold start): src/tracer/clock.ts.
    for (const mode of PATHS) {
      const loaded = [...(actual[mode]?.internals ?? []), ...(actual[mode]?.invocation ?? [])];
      expect(loaded, mode).not.toContain('NativeModule perf_hooks');
      expect(loaded, mode).not.toContain('NativeModule internal/perf/performance');
    }
  });

  it('loads neither node:http nor node:tls on any path, with the default (plain HTTP) endpoint', () => {
    for (const mode of PATHS) {
      for (const heavy of ['NativeModule http', 'NativeModule _http_client', 'NativeModule tls', 'NativeModule _tls_wrap']) expect(actual[mode]?.internals, `${mode}: ${heavy}`).not.toContain(heavy);
    }
  });

  it('loads one file of our own on every path, and of OpenTelemetry only @opentelemetry/api', () => {
    for (const mode of PATHS) {
      const ours = (actual[mode]?.files ?? []).filter((file) => !file.startsWith('node_modules/'));
      const theirs = (actual[mode]?.files ?? []).filter((file) => file.startsWith('node_modules/'));
      expect(ours.length, `${mode}: ${ours.join(', ')}`).toBeLessThanOrEqual(1);
      for (const file of theirs) expect(file, mode).toMatch(/^node_modules\/@opentelemetry\/api\//);
    }
  });
});
