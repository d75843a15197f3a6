/**
 * `serverless invoke local` (osls, the Serverless Framework v3 line) of the root
 * serverless.yml with the lambda-baton plugin on: the function runs traced, its span reaches a
 * real OTLP receiver on 127.0.0.1, and the command exits by itself.
 * (`serverless offline` with the plugin is test/e2e/offline.test.ts.)
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const run = promisify(execFile);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SLS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const SERVER = 2;

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

async function invokeLocal(fn: string, data: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_EC2_METADATA_DISABLED: 'true',
    // serverless.yml sets custom.baton.endpoint from this variable.
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    NODE_OPTIONS: '--no-warnings',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [SLS, 'invoke', 'local', '--function', fn, '--data', JSON.stringify(data)], { cwd: ROOT, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('serverless invoke local with the plugin', () => {
  it('runs the function traced, continuing the caller’s trace, and exits by itself', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    // An asynchronous invoke's payload envelope: the context of whoever invoked it.
    const result = await invokeLocal('reserve', { orderId: 'o-9', _baton: { traceparent: `00-${traceId}-${callerSpan}-01` } });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/tracing 6 functions \(offline\)/);
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toEqual({ orderId: 'o-9', reserved: true, warehouse: 'eu-1' });
    const spans = await receiver.waitForSpans(1, 10_000);
    const span = spans.find((s) => s.kind === SERVER && s.traceId === traceId);
    expect(span?.parentSpanId).toBe(callerSpan);
    expect(span?.resource['service.name']).toBe('baton-demo-dev-reserve');
  }, 150_000);
});
