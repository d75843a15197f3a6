import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { traced, tracingMiddleware } from '../../src/middy/index.js';
import type { MiddyLike } from '../../src/middy/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { loadEvent } from '../support/fixtures.js';
import { exportsAnswered } from '../support/exports.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

// middy 7 needs Node 22; CI runs this file on Node 20 with middy 6 and on Node 22 with middy 7.
const major = Number(process.versions.node.split('.')[0]);
const middyPackage = major >= 22 ? 'middy-core-7' : '@middy/core';
let middy: (handler?: unknown, plugin?: unknown) => MiddyLike;
let receiver: OtlpReceiver;

beforeAll(async () => {
  middy = ((await import(middyPackage)) as { default: typeof middy }).default;
  receiver = await startOtlpReceiver();
  getTracing({ endpoint: receiver.url, protocol: 'http/json' }, {});
});
afterAll(() => receiver.close());
beforeEach(async () => {
  // A previous test's export may still be on its way: it must not count for this one.
  await exportsAnswered();
  receiver.reset();
});

describe(`middy (${middyPackage})`, () => {
  it('makes the invocation span active in the handler and in a nested await, and gives it to middlewares', async () => {
    const seen: (string | undefined)[] = [];
    let internal: { traceId?: string } | undefined;
    const handler = traced(middy())
      .use(tracingMiddleware())
      .use({
        before: (request: { internal: { baton?: { traceId: string } } }) => {
          internal = request.internal.baton;
        },
      })
      .handler(async () => {
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        await new Promise((r) => setTimeout(r, 2));
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        return { statusCode: 200 };
      });

    const event = loadEvent('apigw-rest', 'w3c');
    await handler(event, lambdaContext());
    await exportsAnswered();

    expect(receiver.spans).toHaveLength(1);
    const [span] = receiver.spans;
    expect(seen).toEqual([span?.spanId, span?.spanId]);
    expect(internal?.traceId).toBe(span?.traceId);
    expect(span?.traceId).toBe(event.multiValueHeaders.traceparent[0].split('-')[1]);
  });

  it('ends and exports the span exactly once when another middleware returns early', async () => {
    const handler = traced(middy(async () => ({ statusCode: 200 })))
      .use(tracingMiddleware())
      .use({ before: () => ({ statusCode: 304 }) });
    const result = await handler(loadEvent('apigw-rest', 'w3c'), lambdaContext());
    expect(result).toEqual({ statusCode: 304 });
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]?.attributes['http.response.status_code']).toBe(304);
  });

  it('ends the span once, with the response the caller got, when onError swallows the error', async () => {
    const handler = traced(
      middy(async () => {
        throw new Error('db down');
      }),
    ).use({
      onError: (request: { response?: unknown }) => {
        request.response = { statusCode: 502, body: 'try later' };
      },
    });
    await expect(handler(loadEvent('apigw-rest', 'w3c'), lambdaContext())).resolves.toEqual({ statusCode: 502, body: 'try later' });
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(receiver.spans[0]?.attributes['http.response.status_code']).toBe(502);
  });

  it('ends the span once as timed out when middy’s own timeout fires', async () => {
    const handler = traced(
      middy(
        (_event: unknown, _context: unknown, { signal }: { signal: AbortSignal }) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
        { timeoutEarlyInMillis: 50 },
      ),
    );
    await expect(handler(loadEvent('invoke', 'plain'), lambdaContext({ timeoutMs: 400 }))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]?.attributes['baton.timeout']).toBe(true);
    expect(receiver.spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('rethrows the handler’s error unchanged and records it', async () => {
    const failure = new RangeError('bad order');
    const handler = traced(
      middy(async () => {
        throw failure;
      }),
    );
    await expect(handler(loadEvent('sqs', 'w3c-single'), lambdaContext())).rejects.toBe(failure);
    await exportsAnswered();
    expect(receiver.spans[0]?.events[0]?.attributes['exception.type']).toBe('RangeError');
  });

  it('keeps per-request state out of the middleware: overlapping requests keep their own spans', async () => {
    const handler = traced(middy())
      .use(tracingMiddleware())
      .handler(async (event: { headers: Record<string, string> }) => {
        await new Promise((r) => setTimeout(r, Math.random() * 10));
        return { statusCode: 200, body: trace.getActiveSpan()?.spanContext().traceId };
      });
    const events = Array.from({ length: 20 }, (_, i) => {
      const event = loadEvent('apigw-http', 'w3c');
      event.headers.traceparent = `00-${(i + 1).toString(16).padStart(32, 'c')}-${'d'.repeat(16)}-01`;
      return event;
    });
    const results = await Promise.all(events.map((e) => handler(e, lambdaContext())));
    // `middy` is typed here as the structural MiddyLike (two middy majors load at run time): results are unknown.
    results.forEach((r, i) => expect((r as { body: string }).body).toBe(events[i].headers.traceparent.split('-')[1]));
  });
});
