import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { withTracing } from '../../src/index.js';
import { getTracing, resetTracingForTests } from '../../src/tracer/provider.js';
import { lambdaResourceAttributes } from '../../src/tracer/resource.js';
import { exportsAnswered } from '../support/exports.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

/*
 * `service.name`: OTEL_SERVICE_NAME (or `serviceName`), else a `service.name` in
 * OTEL_RESOURCE_ATTRIBUTES, else AWS_LAMBDA_FUNCTION_NAME, else (a local run) the first
 * invocation's `context.functionName`; `unknown_service:lambda` only when nothing names it.
 */

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
afterEach(async () => {
  await exportsAnswered();
  receiver.reset();
  await resetTracingForTests();
});

describe('service.name in a local run, where the environment names no function', () => {
  it("is the first invocation's function name, on its own span and every later one", async () => {
    getTracing({ endpoint: receiver.url }, {});
    const handler = withTracing(async () => 'ok');
    await handler({}, lambdaContext({ functionName: 'orders-api' }));
    await handler({}, lambdaContext({ functionName: 'another-name' }));
    await exportsAnswered();
    expect(receiver.spans.map((s) => s.resource['service.name'])).toEqual(['orders-api', 'orders-api']);
  });

  it('is on the spans of concurrent first invocations and of a synchronous handler', async () => {
    getTracing({ endpoint: receiver.url }, {});
    const handler = withTracing((_event: unknown, _context: unknown) => 'sync');
    await Promise.all(Array.from({ length: 5 }, () => handler({}, lambdaContext({ functionName: 'burst' }))));
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(5);
    expect(new Set(receiver.spans.map((s) => s.resource['service.name']))).toEqual(new Set(['burst']));
  });

  it('is unknown_service:lambda when the context has no function name either', async () => {
    getTracing({ endpoint: receiver.url }, {});
    await withTracing(async () => 'ok')({}, {});
    await exportsAnswered();
    expect(receiver.spans[0]?.resource['service.name']).toBe('unknown_service:lambda');
  });

  it('stays what the configuration says when it says something', async () => {
    getTracing({ endpoint: receiver.url }, { AWS_LAMBDA_FUNCTION_NAME: 'from-env' });
    await withTracing(async () => 'ok')({}, lambdaContext({ functionName: 'from-context' }));
    await exportsAnswered();
    expect(receiver.spans[0]?.resource).toMatchObject({ 'service.name': 'from-env', 'faas.name': 'from-env' });
  });
});

describe('lambdaResourceAttributes', () => {
  it('takes OTEL_SERVICE_NAME first, then service.name from OTEL_RESOURCE_ATTRIBUTES, then the function name', () => {
    const env = { AWS_LAMBDA_FUNCTION_NAME: 'fn', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,team=a' };
    expect(lambdaResourceAttributes(resolveConfig({}, env), env)['service.name']).toBe('from-attributes');
    expect(lambdaResourceAttributes(resolveConfig({}, { ...env, OTEL_SERVICE_NAME: 'svc' }), env)['service.name']).toBe('svc');
    const bare = { AWS_LAMBDA_FUNCTION_NAME: 'fn' };
    expect(lambdaResourceAttributes(resolveConfig({}, bare), bare)['service.name']).toBe('fn');
  });
});
