/*
 * W3C Trace Context Level 2's random trace-id flag and W3C Baggage without a trace context,
 * end to end: a handler under withTracing, spans exported to a real OTLP receiver on
 * 127.0.0.1, and the real AWS SDK Lambda client sending to a real local server.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { context as contextApi, defaultTextMapSetter, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentLambdaClient, withRecord, withTracing } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { startFakeLambda } from '../support/fake-lambda.js';
import type { FakeLambda } from '../support/fake-lambda.js';
import { exportsAnswered } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

let receiver: OtlpReceiver;
let lambda: FakeLambda;
let client: LambdaClient;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  getTracing({ endpoint: receiver.url, protocol: 'http/protobuf', serviceName: 'orders' }, {});
  lambda = await startFakeLambda();
  client = instrumentLambdaClient(
    new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 }),
  );
});
afterAll(async () => {
  await Promise.all([receiver.close(), lambda.close()]);
});
beforeEach(async () => {
  await exportsAnswered();
  receiver.reset();
  lambda.reset();
});

const RANDOM = 0x02;
const SAMPLED = 0x01;
const flagsOf = (traceparent: string | undefined): number => Number.parseInt(traceparent?.split('-')[3] ?? 'zz', 16);
const unb64 = (value: string | undefined): any => JSON.parse(Buffer.from(value ?? '', 'base64').toString('utf8'));

/** What a handler writes downstream: HTTP-shaped headers, and a synchronous and an asynchronous invoke. */
interface Written {
  headers: Record<string, string>;
  clientContext: Record<string, string>;
  envelope: Record<string, string>;
  baggage: string | undefined;
}

function handlerThatWrites(): { handler: (event: unknown) => Promise<void>; written: Written } {
  const written: Written = { headers: {}, clientContext: {}, envelope: {}, baggage: undefined };
  const handler = withTracing(async () => {
    written.baggage = propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value;
    trace.getTracer('user').startActiveSpan('user work', (span) => {
      propagation.inject(contextApi.active(), written.headers, defaultTextMapSetter);
      span.end();
    });
    await client.send(new InvokeCommand({ FunctionName: 'sync', Payload: JSON.stringify({ id: 1 }) }));
    await client.send(new InvokeCommand({ FunctionName: 'async', InvocationType: 'Event', Payload: JSON.stringify({ id: 2 }) }));
    written.clientContext = unb64(lambda.requests.find((r) => r.functionName === 'sync')?.clientContext).custom;
    written.envelope = JSON.parse(lambda.requests.find((r) => r.functionName === 'async')?.body.toString() ?? '{}')._baton;
  });
  return { handler: (event) => handler(event, lambdaContext()), written };
}

function httpEvent(headers: Record<string, string>): any {
  const event = loadEvent('apigw-http', 'no-context');
  event.headers = { ...event.headers, ...headers };
  return event;
}

/*
 * W3C Trace Context, "Random Trace ID Flag": "When at least the right-most 7 bytes of the
 * trace-id are randomly (or pseudo-randomly) generated, the random-trace-id flag SHOULD be set
 * to 1." and "If the flag is set in the incoming traceparent header, it MUST also be set in all
 * outgoing traceparent headers which use the same trace-id. If the flag is unset in the
 * incoming traceparent header, it MUST also be unset in any outgoing traceparent headers which
 * use the same trace-id."
 */
describe('the random trace-id flag (0x02)', () => {
  it('is set on a trace we start: on every exported span and in every header we write', async () => {
    const { handler, written } = handlerThatWrites();
    await handler(loadEvent('apigw-http', 'no-context'));
    await exportsAnswered();

    expect(receiver.spans.length).toBeGreaterThanOrEqual(4); // invocation, user work, two CLIENT spans
    for (const span of receiver.spans) expect(span.flags & 0xff, span.name).toBe(RANDOM | SAMPLED);
    for (const traceparent of [written.headers['traceparent'], written.clientContext['traceparent'], written.envelope['traceparent']]) {
      expect(flagsOf(traceparent)).toBe(RANDOM | SAMPLED);
    }
  });

  it('is kept when the parent set it', async () => {
    const { handler, written } = handlerThatWrites();
    const [, traceId] = loadEvent('apigw-http', 'w3c').headers.traceparent.split('-');
    await handler(httpEvent({ traceparent: `00-${traceId}-0e01000300010001-03` }));
    await exportsAnswered();

    for (const span of receiver.spans) expect(span).toMatchObject({ traceId });
    for (const span of receiver.spans) expect(span.flags & 0xff, span.name).toBe(RANDOM | SAMPLED);
    expect(flagsOf(written.headers['traceparent'])).toBe(RANDOM | SAMPLED);
    expect(flagsOf(written.clientContext['traceparent'])).toBe(RANDOM | SAMPLED);
    expect(flagsOf(written.envelope['traceparent'])).toBe(RANDOM | SAMPLED);
  });

  it('stays unset when the parent left it unset', async () => {
    const { handler, written } = handlerThatWrites();
    await handler(httpEvent({ traceparent: '00-0e010003000100000000000000000001-0e01000300010001-01' }));
    await exportsAnswered();

    for (const span of receiver.spans) expect(span.flags & 0xff, span.name).toBe(SAMPLED);
    expect(flagsOf(written.headers['traceparent'])).toBe(SAMPLED);
    expect(flagsOf(written.clientContext['traceparent'])).toBe(SAMPLED);
  });

  it('is written for a parent that set it and did not sample, though nothing is exported', async () => {
    const { handler, written } = handlerThatWrites();
    await handler(httpEvent({ traceparent: '00-0e010003000100000000000000000001-0e01000300010001-02' }));
    await exportsAnswered();

    expect(receiver.spans).toHaveLength(0);
    expect(flagsOf(written.headers['traceparent'])).toBe(RANDOM);
    expect(flagsOf(written.clientContext['traceparent'])).toBe(RANDOM);
  });
});

/*
 * W3C Baggage: "This is independent of the Trace Context specification. Baggage can be used
 * regardless of whether Distributed Tracing is used." An invocation whose event carries a
 * baggage and no valid traceparent starts a new trace and keeps that baggage.
 */
describe('baggage without a valid traceparent', () => {
  const cases: [string, () => unknown][] = [
    ['an HTTP request with only a baggage header', () => loadEvent('apigw-http', 'baggage-only')],
    ['an asynchronous invoke whose envelope has an invalid traceparent', () => loadEvent('invoke', 'baggage-invalid-traceparent')],
    ['a single SQS message with only a baggage attribute', () => loadEvent('sqs', 'baggage-only')],
  ];

  for (const [name, event] of cases) {
    it(`reaches the handler and every carrier it writes, for ${name}`, async () => {
      const { handler, written } = handlerThatWrites();
      await handler(event());
      await exportsAnswered();

      expect(written.baggage).toBe('acme');
      expect(written.headers['baggage']).toContain('tenant=acme');
      expect(written.clientContext['baggage']).toContain('tenant=acme');
      expect(written.envelope['baggage']).toContain('tenant=acme');
      // A new trace: the invocation span has no parent.
      expect(receiver.spans.find((s) => s.kind === 2 || s.kind === 5)?.parentSpanId).toBeUndefined();
    });
  }

  it('stays with its own invocation when invocations overlap', async () => {
    const seen: Record<string, string | undefined> = {};
    const handler = withTracing(async (event: { requestContext: { requestId: string } }) => {
      await new Promise((r) => setImmediate(r));
      seen[event.requestContext.requestId] = propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value;
    });
    const tenants = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
    await Promise.all(
      tenants.map((tenant, i) => {
        const event = httpEvent({ baggage: `tenant=${tenant}` });
        event.requestContext.requestId = `r-${i}`;
        return handler(event, lambdaContext());
      }),
    );
    await exportsAnswered();
    tenants.forEach((tenant, i) => expect(seen[`r-${i}`]).toBe(tenant));
  });

  it('is a batch record’s own under withRecord, when that record carries no trace context', async () => {
    const event = loadEvent('sqs', 'batch-w3c');
    const [first, second] = event.Records;
    delete second.messageAttributes.traceparent;
    delete second.messageAttributes.tracestate;
    second.messageAttributes.baggage = { stringValue: 'tenant=initech', stringListValues: [], binaryListValues: [], dataType: 'String' };
    event.Records = [first, second];
    const seen: (string | undefined)[] = [];
    await withTracing(async (e: { Records: unknown[] }) => {
      for (const record of e.Records) {
        await withRecord(record, async () => {
          seen.push(propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value);
        });
      }
    })(event, lambdaContext());
    await exportsAnswered();
    expect(seen[1]).toBe('initech');
  });
});
