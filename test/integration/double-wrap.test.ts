import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index.js';
import type { LambdaContextLike } from '../../src/index.js';
import { traced } from '../../src/middy/index.js';
import type { MiddyLike } from '../../src/middy/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { exportsAnswered } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

/*
 * A function wrapped with `withTracing` (or `traced(middy())`) that also runs under the layer
 * or the Serverless plugin is wrapped twice. The outer wrapper traces the invocation; the inner
 * one passes it through. Decided per invocation, from the OpenTelemetry context.
 */

const major = Number(process.versions.node.split('.')[0]);
const middyPackage = major >= 22 ? 'middy-core-7' : '@middy/core';
let middy: (handler?: unknown) => MiddyLike;
let receiver: OtlpReceiver;

beforeAll(async () => {
  middy = ((await import(middyPackage)) as { default: typeof middy }).default;
  receiver = await startOtlpReceiver();
  getTracing({ endpoint: receiver.url, serviceName: 'double' }, {});
});
afterAll(() => receiver.close());
beforeEach(async () => {
  await exportsAnswered();
  receiver.reset();
});

const activeSpanId = (): string | undefined => trace.getActiveSpan()?.spanContext().spanId;

describe('a handler wrapped twice', () => {
  it('gets one span per invocation from withTracing around withTracing, active in the handler', async () => {
    const seen: (string | undefined)[] = [];
    const inner = withTracing(async (event: { n: number }) => {
      seen.push(activeSpanId());
      return { statusCode: 200, body: String(event.n) };
    });
    const outer = withTracing(inner);
    expect(await outer({ n: 1 }, lambdaContext())).toEqual({ statusCode: 200, body: '1' });
    expect(await outer({ n: 2 }, lambdaContext())).toEqual({ statusCode: 200, body: '2' });
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(2);
    expect(seen).toEqual(receiver.spans.map((s) => s.spanId));
  });

  it('gets one span from withTracing around traced(middy()), as under the layer', async () => {
    const handler = traced(middy()).handler(async () => ({ statusCode: 204 }));
    const layered = withTracing(handler);
    expect(await layered(loadEvent('apigw-http', 'w3c'), lambdaContext())).toEqual({ statusCode: 204 });
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]).toMatchObject({ name: 'GET /orders/{id}', attributes: { 'http.response.status_code': 204 } });
  });

  it('keeps a callback handler working through both wrappers', async () => {
    const inner = withTracing((_event: unknown, _context: unknown, callback: (error: null, value: string) => void) => {
      setImmediate(() => callback(null, 'called back'));
    });
    expect(await withTracing(inner)({}, lambdaContext())).toBe('called back');
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
  });

  it('keeps each of many concurrent invocations in its own single span and trace', async () => {
    const inner = withTracing(async (event: { headers: { traceparent: string } }) => {
      await new Promise((r) => setImmediate(r));
      return { statusCode: 200, body: `${trace.getActiveSpan()?.spanContext().traceId}/${activeSpanId()}` };
    });
    const outer = withTracing(inner);
    const events = Array.from({ length: 20 }, (_, i) => {
      const event = loadEvent('apigw-http', 'w3c');
      event.headers.traceparent = `00-${(i + 1).toString(16).padStart(32, '0')}-${'0a'.repeat(8)}-01`;
      return event;
    });
    const results = await Promise.all(events.map((event) => outer(event, lambdaContext())));
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(20);
    results.forEach((result, i) => {
      const traceId = (i + 1).toString(16).padStart(32, '0');
      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      expect(spans).toHaveLength(1);
      expect(result.body).toBe(`${traceId}/${spans[0]?.spanId}`);
    });
  });

  it('still traces a traced handler that the handler itself calls with an event of its own', async () => {
    const worker = withTracing(async (job: { id: string }) => job.id);
    const api = withTracing(async (_event: unknown, context: LambdaContextLike) => worker({ id: 'job-1' }, context));
    expect(await api({}, lambdaContext())).toBe('job-1');
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(2);
  });

  it('passes through only while the outer invocation runs: the inner wrapper alone traces again', async () => {
    const inner = withTracing(async () => 'alone');
    await withTracing(inner)({}, lambdaContext());
    await inner({}, lambdaContext());
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(2);
  });
});
