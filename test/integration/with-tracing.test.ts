import { SpanStatusCode, context as contextApi, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withRecord, withTracing } from '../../src/index.js';
import { loadEvent } from '../support/fixtures.js';
import { exportsAnswered, useTracedReceiver } from '../support/exports.js';
import { lambdaContext } from '../support/lambda-context.js';
import type { ReceivedSpan } from '../support/otlp-receiver.js';

// The process's tracing, made once as at a cold start, exporting to a real receiver.
const receiver = useTracedReceiver();

const SERVER = 2;
const CONSUMER = 5;
const INTERNAL = 1;
const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

describe('withTracing', () => {
  it('continues the caller’s W3C trace and exports before returning', async () => {
    const event = loadEvent('apigw-http', 'w3c');
    const handler = withTracing(async () => ({ statusCode: 201, body: 'created' }));

    const result = await handler(event, lambdaContext());

    expect(result).toEqual({ statusCode: 201, body: 'created' });
    // Sent before the wrapper returned; the receiver stores it before it answers.
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    const [span] = receiver.spans;
    const [, traceId, parentId] = event.headers.traceparent.split('-');
    expect(span).toMatchObject({ name: 'GET /orders/{id}', kind: SERVER, traceId, parentSpanId: parentId });
    expect(span?.attributes).toMatchObject({
      'faas.trigger': 'http',
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'http.response.status_code': 201,
      'cloud.account.id': '123456789012',
      'cloud.resource_id': 'arn:aws:lambda:us-east-1:123456789012:function:orders-api:7',
      'aws.lambda.invoked_arn': 'arn:aws:lambda:us-east-1:123456789012:function:orders-api:live',
    });
    expect(span?.resource).toMatchObject({ 'service.name': 'orders', 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda' });
  });

  it('never records header or baggage values as attributes', async () => {
    const event = loadEvent('apigw-http', 'w3c');
    event.headers.authorization = 'Bearer secret-token';
    event.headers.cookie = 'session=secret-cookie';
    await withTracing(async () => ({ statusCode: 200 }))(event, lambdaContext());
    await exportsAnswered();
    const values = JSON.stringify(receiver.spans[0]?.attributes);
    expect(values).not.toContain('secret-token');
    expect(values).not.toContain('secret-cookie');
    expect(values).not.toContain(event.headers.baggage.split('=')[1]?.split(',')[0]);
  });

  it('makes the invocation span active in the handler, after an await, in a timer and for user spans', async () => {
    const seen: (string | undefined)[] = [];
    const handler = withTracing(async () => {
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      await new Promise((r) => setImmediate(r));
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      await new Promise<void>((r) =>
        setTimeout(() => {
          seen.push(trace.getActiveSpan()?.spanContext().spanId);
          r();
        }, 5),
      );
      trace.getTracer('user').startActiveSpan('user work', (span) => span.end());
      return { statusCode: 200 };
    });

    await handler(loadEvent('apigw-rest', 'w3c'), lambdaContext());
    await exportsAnswered();

    const invocation = receiver.spans.find((s) => s.kind === SERVER);
    expect(seen).toEqual([invocation?.spanId, invocation?.spanId, invocation?.spanId]);
    expect(receiver.spans.find((s) => s.name === 'user work')).toMatchObject({ parentSpanId: invocation?.spanId, kind: INTERNAL });
  });

  it('gives the handler the caller’s baggage without making it an attribute', async () => {
    let tenant: string | undefined;
    const event = loadEvent('apigw-http', 'w3c');
    await withTracing(async () => {
      tenant = propagation.getBaggage(contextApi.active())?.getAllEntries()[0]?.[1].value;
      return { statusCode: 200 };
    })(event, lambdaContext());
    expect(tenant).toBeDefined();
  });

  it('marks a thrown error, records the exception and rethrows it unchanged', async () => {
    const failure = new TypeError('boom');
    const handler = withTracing(async () => {
      throw failure;
    });
    await expect(handler(loadEvent('invoke', 'plain'), lambdaContext())).rejects.toBe(failure);
    await exportsAnswered();
    const [span] = receiver.spans;
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' } });
  });

  it('treats a 5xx response as an error and a 4xx as not', async () => {
    await withTracing(async () => ({ statusCode: 503 }))(loadEvent('apigw-rest', 'w3c'), lambdaContext());
    await withTracing(async () => ({ statusCode: 404 }))(loadEvent('apigw-rest', 'w3c'), lambdaContext());
    await exportsAnswered();
    expect(receiver.spans.map((s) => [s.attributes['http.response.status_code'], s.status.code])).toEqual([
      [503, SpanStatusCode.ERROR],
      [404, SpanStatusCode.UNSET],
    ]);
  });

  it('supports callback handlers, for results and for errors', async () => {
    const ok = withTracing((_event: unknown, _context: unknown, callback: (e: unknown, r?: unknown) => void) => {
      setTimeout(() => callback(null, { statusCode: 200, body: 'cb' }), 1);
    });
    const failing = withTracing((_event: unknown, _context: unknown, callback: (e: unknown) => void) => callback(new Error('cb failed')));
    await expect(ok(loadEvent('apigw-rest', 'w3c'), lambdaContext())).resolves.toEqual({ statusCode: 200, body: 'cb' });
    await expect(failing(loadEvent('apigw-rest', 'w3c'), lambdaContext())).rejects.toThrow('cb failed');
    await exportsAnswered();
    expect(receiver.spans.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
  });

  it('keeps a streaming handler’s runtime marker and arguments', async () => {
    const marker = Symbol.for('aws.lambda.runtime.handler.streaming');
    const chunks: string[] = [];
    const streaming = Object.assign(
      async (_event: unknown, stream: { write(s: string): void; end(): void }, context: { awsRequestId: string }) => {
        stream.write(`hello ${context.awsRequestId}`);
        stream.end();
      },
      { [marker]: 'response' },
    );
    const handler = withTracing(streaming);
    const context = lambdaContext();
    await handler(loadEvent('function-url', 'b3-single'), { write: (s: string) => chunks.push(s), end: () => undefined }, context);
    expect((handler as unknown as Record<symbol, unknown>)[marker]).toBe('response');
    expect(chunks).toEqual([`hello ${context.awsRequestId}`]);
    await exportsAnswered();
    expect(receiver.spans[0]?.attributes['faas.invocation.id']).toBe(context.awsRequestId);
  });

  it('removes the payload envelope before the handler sees the event', async () => {
    const event = loadEvent('invoke', 'async-envelope');
    let seen: unknown;
    await withTracing(async (e: unknown) => {
      seen = e;
    })(event, lambdaContext());
    expect(seen).not.toHaveProperty('_baton');
    await exportsAnswered();
    const [, traceId] = loadEvent('invoke', 'async-envelope')._baton.traceparent.split('-');
    expect(receiver.spans[0]?.traceId).toBe(traceId);
  });

  it('gives a record’s work the baggage the record carried, as it was when the batch arrived', async () => {
    const event = loadEvent('sqs', 'batch-mixed');
    type Attrs = Record<string, { stringValue?: string } | undefined>;
    const seen: Record<string, string | undefined> = {};
    const handler = withTracing(async (e: { Records: { messageId: string; messageAttributes: Attrs }[] }) => {
      for (const record of e.Records) {
        // The handler changes the event before it processes the record: the context was read on arrival.
        const held = record.messageAttributes['baggage'];
        if (held !== undefined) held.stringValue = 'tenant=changed-later';
        await withRecord(record, async () => {
          seen[record.messageId] = propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value;
        });
      }
    });
    await handler(event, lambdaContext());
    const carriers = (event as { Records: { messageId: string; messageAttributes: Attrs }[] }).Records;
    const withBaggage = carriers.filter((r) => r.messageAttributes['baggage'] !== undefined && r.messageAttributes['traceparent'] !== undefined);
    expect(withBaggage.length).toBeGreaterThan(0);
    for (const record of withBaggage) expect(seen[record.messageId]).toBe('globex');
    await exportsAnswered();
  });

  it('links every SQS record and runs each record’s work under its own trace', async () => {
    const event = loadEvent('sqs', 'batch-mixed');
    const handler = withTracing(async (e: { Records: { messageId: string }[] }) => {
      for (const record of e.Records) {
        await withRecord(record, async () => {
          trace.getTracer('user').startActiveSpan(`work ${record.messageId}`, (s) => s.end());
        });
      }
    });
    await handler(event, lambdaContext());
    await exportsAnswered();

    const batch = receiver.spans.find((s) => s.kind === CONSUMER && s.attributes['messaging.batch.message_count'] === 10);
    expect(batch?.name).toBe('process orders-queue');
    expect(batch?.parentSpanId).toBeUndefined();
    const linked = batch?.links ?? [];
    expect(linked.length).toBeGreaterThan(0);
    const recordSpans = byName(receiver.spans, 'process orders-queue message');
    // A record whose producer did not sample its trace is not sampled here either (parent-based sampling).
    const unsampled = event.Records.filter((r: any) => r.messageAttributes?.traceparent?.stringValue?.endsWith('-00')).length;
    expect(unsampled).toBeGreaterThan(0);
    expect(recordSpans).toHaveLength(10 - unsampled);
    for (const link of linked.filter((l) => recordSpans.some((s) => s.traceId === l.traceId))) {
      const recordSpan = recordSpans.find((s) => s.attributes['messaging.message.id'] === link.attributes['messaging.message.id']);
      expect(recordSpan).toMatchObject({ traceId: link.traceId, parentSpanId: link.spanId });
      expect(recordSpan?.links[0]).toMatchObject({ spanId: batch?.spanId });
      const work = receiver.spans.find((s) => s.name === `work ${String(link.attributes['messaging.message.id'])}`);
      expect(work).toMatchObject({ traceId: link.traceId, parentSpanId: recordSpan?.spanId });
    }
    // Records without a context are processed under the batch span.
    const orphans = recordSpans.filter((s) => !linked.some((l) => l.attributes['messaging.message.id'] === s.attributes['messaging.message.id']));
    for (const span of orphans) expect(span).toMatchObject({ traceId: batch?.traceId, parentSpanId: batch?.spanId });
  });

  it('parents a single-message batch by its producer', async () => {
    const event = loadEvent('sqs', 'w3c-single');
    await withTracing(async () => undefined)(event, lambdaContext());
    await exportsAnswered();
    const [, traceId, spanId] = event.Records[0].messageAttributes.traceparent.stringValue.split('-');
    expect(receiver.spans[0]).toMatchObject({ kind: CONSUMER, traceId, parentSpanId: spanId });
    expect(receiver.spans[0]?.attributes['messaging.message.id']).toBe(event.Records[0].messageId);
  });

  it('ends the span as timed out and exports it while the handler still runs', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => {
      release = r;
    });
    const handler = withTracing(async () => {
      await stuck;
      return 'late';
    });
    const pending = handler(loadEvent('invoke', 'plain'), lambdaContext({ timeoutMs: 300 }));
    const [span] = await receiver.waitForSpans(1, 2_000);
    expect(span?.attributes['baton.timeout']).toBe(true);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    release();
    await expect(pending).resolves.toBe('late');
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
  });

  it('runs 100 overlapping invocations without mixing their contexts', async () => {
    const handler = withTracing(async (event: { headers: Record<string, string> }) => {
      const mine = event.headers.traceparent?.split('-')[1];
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      const active = trace.getActiveSpan()?.spanContext().traceId;
      trace.getTracer('user').startActiveSpan('child', (s) => s.end());
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      return { statusCode: 200, body: JSON.stringify({ mine, active: trace.getActiveSpan()?.spanContext().traceId, first: active }) };
    });
    const events = Array.from({ length: 100 }, (_, i) => {
      const event = loadEvent('apigw-http', 'w3c');
      const traceId = (i + 1).toString(16).padStart(32, 'a');
      event.headers.traceparent = `00-${traceId}-${(i + 1).toString(16).padStart(16, 'b')}-01`;
      return event;
    });
    const results = await Promise.all(events.map((e) => handler(e, lambdaContext())));

    for (const result of results) {
      const { mine, active, first } = JSON.parse(result.body);
      expect(active).toBe(mine);
      expect(first).toBe(mine);
    }
    await receiver.waitForSpans(200);
    for (const event of events) {
      const [, traceId, parentId] = event.headers.traceparent.split('-');
      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      const server = spans.find((s) => s.kind === SERVER);
      expect(server?.parentSpanId).toBe(parentId);
      expect(spans.find((s) => s.name === 'child')?.parentSpanId).toBe(server?.spanId);
    }
  });
});
