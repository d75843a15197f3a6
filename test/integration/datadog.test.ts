/**
 * A Datadog function calls a lambda-baton function, and back. The real AWS SDK, instrumented,
 * sends to a real HTTP server on 127.0.0.1 that answers like Lambda; spans go to a real OTLP
 * receiver. The process is configured with `datadog` among its propagators, as a team moving
 * off Datadog would set it; what is asserted is what went over the wire and what was exported.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inspectEvent } from '../../src/inspect.js';
import { instrumentLambdaClient, withTracing } from '../../src/index.js';
import { getTracing, resetTracingForTests } from '../../src/tracer/provider.js';
import type { Tracing } from '../../src/tracer/provider.js';
import { startFakeLambda } from '../support/fake-lambda.js';
import type { FakeLambda } from '../support/fake-lambda.js';
import { exportsAnswered } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

const SERVER = 2;
const CONSUMER = 5;
const CLIENT = 3;

let receiver: OtlpReceiver;
let tracing: Tracing;
let lambda: FakeLambda;

beforeAll(async () => {
  await resetTracingForTests();
  receiver = await startOtlpReceiver();
  tracing = getTracing(
    { endpoint: receiver.url, protocol: 'http/json', serviceName: 'migrating', propagators: ['tracecontext', 'baggage', 'datadog'] },
    {},
  )!;
  lambda = await startFakeLambda();
});
afterAll(async () => {
  await Promise.all([receiver.close(), lambda.close()]);
  await resetTracingForTests();
});
beforeEach(async () => {
  await tracing.flush(5000);
  await exportsAnswered();
  receiver.reset();
  lambda.reset();
});

const client = (): LambdaClient =>
  instrumentLambdaClient(
    new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 }),
  );

const lambdaContext = (): any => ({
  functionName: 'orders',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
  memoryLimitInMB: '128',
  awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
  getRemainingTimeInMillis: () => 30_000,
});

async function exported(): Promise<ReceivedSpan[]> {
  await tracing.flush(5000);
  await exportsAnswered();
  return receiver.spans.slice();
}

const hexOf = (decimal: string): string => BigInt(decimal).toString(16).padStart(16, '0');
const decOf = (hex: string): string => BigInt(`0x${hex}`).toString();
const unb64 = (value: string | undefined): any => JSON.parse(Buffer.from(value ?? '', 'base64').toString('utf8'));
const byKind = (spans: ReceivedSpan[], kind: number): ReceivedSpan[] => spans.filter((s) => s.kind === kind);

/** An HTTP API request from a Datadog-instrumented caller: 128-bit trace, a user keep, an origin. */
function datadogRequest(trace: string, parent: string, tid: string, requestId: string): any {
  const event = loadEvent('apigw-http', 'no-context');
  delete event.headers['x-amzn-trace-id'];
  Object.assign(event.headers, {
    'x-datadog-trace-id': trace,
    'x-datadog-parent-id': parent,
    'x-datadog-sampling-priority': '2',
    'x-datadog-origin': 'synthetics',
    'x-datadog-tags': `_dd.p.dm=-4,_dd.p.tid=${tid}`,
  });
  event.requestContext.requestId = requestId;
  return event;
}

describe('a Datadog function calls a lambda-baton function, and back', () => {
  it("makes the Datadog caller our span's parent and writes Datadog's fields into the client context of our next invoke", async () => {
    const lambdaClient = client();
    const handler = withTracing(async () => {
      await lambdaClient.send(new InvokeCommand({ FunctionName: 'downstream', Payload: '{"id":1}' }));
      return { statusCode: 200 };
    });

    await handler(datadogRequest('11111111111111111111', '5555555555555555555', '6740b5e000000000', 'r-1'), lambdaContext());

    const spans = await exported();
    const server = byKind(spans, SERVER)[0]!;
    expect(server.traceId).toBe(`6740b5e000000000${hexOf('11111111111111111111')}`);
    expect(server.parentSpanId).toBe(hexOf('5555555555555555555'));
    const call = byKind(spans, CLIENT)[0]!;
    const { custom } = unb64(lambda.requests[0]?.clientContext);
    // What a Datadog function downstream reads (datadog-lambda-js extractors/lambda-context.ts): our trace, our span.
    expect(custom).toMatchObject({
      traceparent: `00-${call.traceId}-${call.spanId}-01`,
      'x-datadog-trace-id': decOf(call.traceId.slice(16)),
      'x-datadog-parent-id': decOf(call.spanId),
      'x-datadog-sampling-priority': '2',
      'x-datadog-origin': 'synthetics',
      'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=6740b5e000000000',
    });
    // And our own extraction, reading only Datadog's fields, finds the same span.
    const back = inspectEvent({}, { clientContext: { custom } }, {}, { propagators: ['datadog'] }).parent;
    expect(back).toMatchObject({ traceId: call.traceId, spanId: call.spanId, source: 'context.clientContext.custom.x-datadog-trace-id' });
  });

  it("writes Datadog's fields into the payload envelope of an asynchronous invoke, read back with the same ids", async () => {
    const lambdaClient = client();
    const handler = withTracing(async () => {
      await lambdaClient.send(new InvokeCommand({ FunctionName: 'downstream', InvocationType: 'Event', Payload: '{"id":1}' }));
    });

    await handler(datadogRequest('42', '7', '6740b5e000000001', 'r-2'), lambdaContext());

    const call = byKind(await exported(), CLIENT)[0]!;
    const payload = JSON.parse(lambda.requests[0]!.body.toString());
    expect(payload._baton).toMatchObject({
      'x-datadog-trace-id': decOf(call.traceId.slice(16)),
      'x-datadog-parent-id': decOf(call.spanId),
      'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=6740b5e000000001',
    });
    const back = inspectEvent(payload, {}, {}, { propagators: ['datadog'] }).parent;
    expect(back).toMatchObject({ traceId: call.traceId, spanId: call.spanId, source: 'invoke._baton.x-datadog-trace-id' });
  });

  it('links each record of a batch to the Datadog producer of that record', async () => {
    const event = loadEvent('sqs', 'datadog-batch');
    await withTracing(async () => undefined)(event, lambdaContext());

    const consumer = byKind(await exported(), CONSUMER)[0]!;
    expect(consumer.links.map((l) => [l.traceId, l.spanId])).toEqual([
      [`${'0'.repeat(16)}${hexOf('1000000000000000101')}`, hexOf('2000000000000000101')],
      [`${'0'.repeat(16)}${hexOf('1000000000000000102')}`, hexOf('2000000000000000102')],
    ]);
  });

  it('keeps two overlapping invocations from different Datadog callers apart', async () => {
    const lambdaClient = client();
    const handler = withTracing(async (event: any) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await lambdaClient.send(new InvokeCommand({ FunctionName: `downstream-${event.requestContext.requestId}`, Payload: '{}' }));
      return { statusCode: 200 };
    });

    await Promise.all([
      handler(datadogRequest('1001', '2001', '00000000000000a1', 'a'), lambdaContext()),
      handler(datadogRequest('1002', '2002', '00000000000000b2', 'b'), lambdaContext()),
    ]);

    const sent = new Map(lambda.requests.map((r) => [r.functionName, unb64(r.clientContext).custom]));
    expect(sent.get('downstream-a')).toMatchObject({ 'x-datadog-trace-id': '1001', 'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=00000000000000a1' });
    expect(sent.get('downstream-b')).toMatchObject({ 'x-datadog-trace-id': '1002', 'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=00000000000000b2' });
  });
});
