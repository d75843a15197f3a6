/**
 * End to end under `serverless offline` on osls (the Serverless Framework v3 line): the root
 * serverless.yml with the lambda-baton plugin, moto_server as SQS, spans collected by a real
 * OTLP receiver. api (HTTP, with a traceparent) invokes reserve synchronously and notify
 * asynchronously through an instrumented Lambda client; notify sends the order to fulfil's queue
 * three ways (directly, through SNS, through an EventBridge rule) with instrumented clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module shared with the demo
import { startLocalStack } from '../../scripts/local-stack.mjs';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

let receiver: OtlpReceiver;
let stack: {
  httpUrl: string;
  deliverQueue(consumer: string, options?: { waitSeconds?: number }): Promise<number>;
  invoke(key: string, event: unknown, type?: string): Promise<unknown>;
  stop(): Promise<void>;
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The functions export OTLP protobuf, the default on Lambda.
  stack = await startLocalStack({ otlpEndpoint: receiver.url, protocol: 'http/protobuf' });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const service = (span: ReceivedSpan) => String(span.resource['service.name']).replace(/^baton-demo-dev-/, '');

describe('serverless offline, end to end', () => {
  it('keeps one trace from an HTTP request through a sync invoke, an async invoke, and SQS, SNS → SQS and EventBridge → SQS', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await fetch(`${stack.httpUrl}/orders/o-7`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01`, baggage: 'tenant=acme' } });
    expect(response.status).toBe(202);
    let delivered = 0;
    for (let i = 0; i < 8 && delivered < 3; i++) delivered += await stack.deliverQueue('fulfil', { waitSeconds: 2 });
    expect(delivered).toBe(3);
    const spans = (await receiver.waitForSpans(13, 20_000)).filter((s) => s.traceId === traceId);

    const api = spans.find((s) => service(s) === 'api' && s.kind === SERVER);
    expect(api).toMatchObject({ name: 'GET /orders/{id}', parentSpanId: callerSpan });
    const toReserve = spans.find((s) => s.kind === CLIENT && s.attributes['faas.invoked_name'] === 'baton-demo-dev-reserve');
    const toNotify = spans.find((s) => s.kind === CLIENT && s.attributes['faas.invoked_name'] === 'baton-demo-dev-notify');
    expect(toReserve?.parentSpanId).toBe(api?.spanId);
    expect(toNotify?.parentSpanId).toBe(api?.spanId);
    // Synchronous: through ClientContext. Asynchronous: through the payload envelope.
    expect(spans.find((s) => service(s) === 'reserve' && s.kind === SERVER)?.parentSpanId).toBe(toReserve?.spanId);
    const notify = spans.find((s) => service(s) === 'notify' && s.kind === SERVER);
    expect(notify?.parentSpanId).toBe(toNotify?.spanId);
    // Three PRODUCER spans under notify, each the parent of the consumer of what it sent.
    const producers = spans.filter((s) => service(s) === 'notify' && s.kind === PRODUCER);
    expect(producers.map((s) => s.name).sort()).toEqual(['publish baton-demo-orders-fanout', 'send baton-demo-orders', 'send default']);
    for (const producer of producers) {
      expect(producer.parentSpanId).toBe(notify?.spanId);
      const consumers = spans.filter((s) => service(s) === 'fulfil' && s.kind === CONSUMER && s.parentSpanId === producer.spanId);
      expect(consumers.some((s) => s.attributes['order.id'] === 'o-7'), producer.name).toBe(true);
    }
  });

  it('removes the envelope before the asynchronously invoked handler sees its event', async () => {
    // notify returns what it queued; a leaked _baton would be in the message body.
    receiver.reset();
    await fetch(`${stack.httpUrl}/orders/o-8`);
    let delivered = 0;
    for (let i = 0; i < 8 && delivered < 3; i++) delivered += await stack.deliverQueue('fulfil', { waitSeconds: 2 });
    const spans = await receiver.waitForSpans(13, 20_000);
    const fulfil = spans.find((s) => s.attributes['order.id'] === 'o-8');
    expect(fulfil).toBeDefined();
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('_baton');
  });
});
