/**
 * The real AWS SDK, instrumented, sending to a real HTTP server on 127.0.0.1 that answers
 * like Lambda; spans go to a real OTLP receiver. What is asserted is what went over the wire:
 * the X-Amz-Client-Context header and the payload bytes.
 */
import { InvokeAsyncCommand, InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import { ROOT_CONTEXT, context as contextApi, createTraceState, propagation, trace } from '@opentelemetry/api';
import type { Context as OtelContext } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIDDLEWARE_NAME } from '../../src/clients/sdk.js';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { instrumentLambdaClient, withTracing } from '../../src/index.js';
import type { InstrumentLambdaClientOptions } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import type { Tracing } from '../../src/tracer/provider.js';
import { closedPort, startFakeLambda } from '../support/fake-lambda.js';
import type { FakeLambda, ReceivedInvoke } from '../support/fake-lambda.js';
import { exportsAnswered } from '../support/exports.js';
import { startOtlpReceiver, traceparentOf } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const CLIENT_CONTEXT_LIMIT = 3583;

let receiver: OtlpReceiver;
let tracing: Tracing;
let lambda: FakeLambda;
const diagnostics: string[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The process's tracing, made once as at a cold start, before anything else can make it.
  tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'caller' }, {})!;
  lambda = await startFakeLambda();
  setDiagnosticSink((line) => diagnostics.push(line));
});
afterAll(async () => {
  await Promise.all([receiver.close(), lambda.close()]);
});
beforeEach(async () => {
  // Spans a previous test ended but did not export must not count for this one.
  await tracing.flush(5000);
  await exportsAnswered();
  receiver.reset();
  lambda.reset();
  diagnostics.length = 0;
  resetDiagnostics();
});

function sdkClient(config: Partial<LambdaClientConfig> = {}): LambdaClient {
  return new LambdaClient({
    endpoint: lambda.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    ...config,
  });
}

function instrumented(options?: InstrumentLambdaClientOptions, config?: Partial<LambdaClientConfig>): LambdaClient {
  return instrumentLambdaClient(sdkClient(config), options);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const unb64 = (value: string | undefined): any => JSON.parse(Buffer.from(value ?? '', 'base64').toString('utf8'));

/** A Lambda context as the Node runtime builds it. */
function lambdaContext(extra: Record<string, unknown> = {}): any {
  return {
    functionName: 'caller',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:caller',
    memoryLimitInMB: '128',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/caller',
    logStreamName: '2026/01/01/[$LATEST]0123',
    getRemainingTimeInMillis: () => 30_000,
    ...extra,
  };
}

/** Run `work` inside a withTracing invocation; its spans are exported when it returns. */
async function inInvocation<T>(work: () => Promise<T>): Promise<T> {
  const handler = withTracing(async (_event: unknown, _context: unknown) => work());
  return (await handler({}, lambdaContext())) as T;
}

/** Export what has ended and return the spans the receiver has. */
async function exported(): Promise<ReceivedSpan[]> {
  await tracing.flush(5000);
  await exportsAnswered();
  return receiver.spans.slice();
}

const clientSpans = (spans: ReceivedSpan[]): ReceivedSpan[] => spans.filter((s) => s.kind === CLIENT);
const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0]!;
};
const lastRequest = (): ReceivedInvoke => lambda.requests[lambda.requests.length - 1]!;

/** A parent context with a tracestate and baggage of the given sizes. */
function parentWith(tracestateMembers: number, baggageBytes: number): OtelContext {
  const members = Array.from({ length: tracestateMembers }, (_, i) => `v${i}=${'t'.repeat(200)}`).join(',');
  let ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    ...(tracestateMembers > 0 ? { traceState: createTraceState(members) } : {}),
  });
  if (baggageBytes > 0) ctx = propagation.setBaggage(ctx, propagation.createBaggage({ tenant: { value: 'b'.repeat(baggageBytes) } }));
  return ctx;
}

describe('synchronous invoke (RequestResponse)', () => {
  it('carries the CLIENT span’s traceparent in X-Amz-Client-Context, under the invocation span', async () => {
    const client = instrumented();

    const output = await inInvocation(() => client.send(new InvokeCommand({ FunctionName: 'orders', Payload: JSON.stringify({ id: 1 }) })));

    expect(output.StatusCode).toBe(200);
    const request = lastRequest();
    expect(request.body.toString()).toBe('{"id":1}');
    const spans = await exported();
    const clientSpan = only(clientSpans(spans));
    const invocation = only(spans.filter((s) => s.kind === SERVER));
    expect(clientSpan).toMatchObject({ name: 'orders', parentSpanId: invocation.spanId, traceId: invocation.traceId });
    expect(clientSpan.attributes).toMatchObject({
      'faas.invoked_name': 'orders',
      'faas.invoked_provider': 'aws',
      'faas.invoked_region': 'us-east-1',
      'aws.request_id': 'fake-request-id',
    });
    expect(clientSpan.status.code).not.toBe(ERROR);
    expect(unb64(request.clientContext)).toEqual({ custom: { traceparent: traceparentOf(clientSpan) } });
  });

  it('keeps the caller’s client context when it adds traceparent', async () => {
    const client = instrumented();
    const callers = {
      client: { installation_id: 'abc', app_title: 'checkout' },
      custom: { tenant: 'acme', traceparent: '00-00000000000000000000000000000001-0000000000000001-01' },
      env: { platform: 'linux', make: 'aws-sdk-js' },
    };

    await inInvocation(() =>
      contextApi.with(propagation.setBaggage(contextApi.active(), propagation.createBaggage({ team: { value: 'payments' } })), () =>
        client.send(new InvokeCommand({ FunctionName: 'orders', ClientContext: b64(callers) })),
      ),
    );

    const clientSpan = only(clientSpans(await exported()));
    expect(unb64(lastRequest().clientContext)).toEqual({
      client: callers.client,
      env: callers.env,
      custom: { tenant: 'acme', traceparent: traceparentOf(clientSpan), baggage: 'team=payments' },
    });
  });

  it('does not change the command’s input object', async () => {
    const client = instrumented();
    const input = { FunctionName: 'orders', ClientContext: b64({ custom: { a: '1' } }), Payload: '{"a":1}', InvocationType: 'RequestResponse' as const };
    const before = structuredClone(input);

    const command = new InvokeCommand(input);
    await client.send(command);

    expect(command.input).toEqual(before);
    expect(unb64(lastRequest().clientContext).custom.traceparent).toMatch(/^00-/);
  });

  it('sheds baggage, then tracestate, and keeps traceparent within 3,583 bytes', async () => {
    const client = instrumented();
    const send = (parent: OtelContext, clientContext?: string) =>
      contextApi.with(parent, () => client.send(new InvokeCommand({ FunctionName: 'orders', ClientContext: clientContext })));

    // 1. Baggage alone pushes it over: baggage goes, tracestate stays.
    await send(parentWith(2, 3000));
    const first = unb64(lastRequest().clientContext);
    expect(lastRequest().clientContext!.length).toBeLessThanOrEqual(CLIENT_CONTEXT_LIMIT);
    expect(first.custom.baggage).toBeUndefined();
    expect(first.custom.tracestate).toMatch(/^v0=/);
    expect(first.custom.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);

    // 2. The caller's own context leaves room for traceparent but not tracestate: both go but traceparent.
    const tracestateBytes = 2 * 203 + 1;
    let filler = 'f'.repeat(((CLIENT_CONTEXT_LIMIT * 3) / 4) | 0);
    const fits = (extra: number) => Math.ceil((JSON.stringify({ custom: { filler, traceparent: 'x'.repeat(55) } }).length + extra) / 3) * 4;
    while (fits(0) > CLIENT_CONTEXT_LIMIT) filler = filler.slice(1);
    expect(fits(tracestateBytes + 16)).toBeGreaterThan(CLIENT_CONTEXT_LIMIT);
    await send(parentWith(2, 3000), b64({ custom: { filler } }));
    const second = unb64(lastRequest().clientContext);
    expect(lastRequest().clientContext!.length).toBeLessThanOrEqual(CLIENT_CONTEXT_LIMIT);
    expect(Object.keys(second.custom).sort()).toEqual(['filler', 'traceparent']);
    expect(second.custom.filler).toBe(filler);

    // 3. Not even traceparent fits: the caller's context is sent unchanged, and we say so once.
    const full = b64({ custom: { filler: filler + 'f'.repeat(60) } });
    await send(parentWith(2, 3000), full);
    await send(parentWith(0, 0), full);
    expect(lastRequest().clientContext).toBe(full);
    expect(lambda.requests).toHaveLength(4);
    expect(diagnostics.filter((d) => d.includes('no room'))).toHaveLength(1);
    // Every call still got its span.
    expect(clientSpans(await exported())).toHaveLength(4);
  });

  it('passes a caller’s invalid ClientContext through untouched, and says so once', async () => {
    const client = instrumented();
    const notBase64 = 'this is not base64!';
    const notJson = Buffer.from('hello', 'utf8').toString('base64');
    const notObject = b64(['a']);

    for (const value of [notBase64, notJson, notObject]) {
      await client.send(new InvokeCommand({ FunctionName: 'orders', ClientContext: value }));
      expect(lastRequest().clientContext).toBe(value);
    }

    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/ClientContext that is not base64 of a JSON object/);
  });

  it('marks the CLIENT span as an error when the function fails (X-Amz-Function-Error)', async () => {
    const client = instrumented();

    const output = await client.send(new InvokeCommand({ FunctionName: 'fails' }));

    expect(output.FunctionError).toBe('Unhandled');
    const span = only(clientSpans(await exported()));
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBe('Unhandled');
  });

  it('rethrows the SDK’s own error unchanged when the network fails, and marks the span', async () => {
    const client = instrumented(undefined, { endpoint: `http://127.0.0.1:${await closedPort()}` });
    // A middleware inside ours records the error the SDK raised.
    let raised: unknown;
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          raised = error;
          throw error;
        }
      },
      { step: 'initialize', priority: 'low', name: 'testRecorder' },
    );

    const caught = await client.send(new InvokeCommand({ FunctionName: 'orders' })).catch((error: unknown) => error);

    expect(raised).toBeInstanceOf(Error);
    expect(caught).toBe(raised);
    expect((caught as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const span = only(clientSpans(await exported()));
    expect(span.status.code).toBe(ERROR);
    expect(span.events.map((e) => e.name)).toContain('exception');
  });

  it('gives concurrent invocations each their own CLIENT span context', async () => {
    const client = instrumented();

    await Promise.all([
      inInvocation(() => client.send(new InvokeCommand({ FunctionName: 'first' }))),
      inInvocation(() => client.send(new InvokeCommand({ FunctionName: 'second' }))),
    ]);

    const spans = await exported();
    for (const name of ['first', 'second']) {
      const clientSpan = only(spans.filter((s) => s.kind === CLIENT && s.name === name));
      const request = only(lambda.requests.filter((r) => r.functionName === name));
      expect(unb64(request.clientContext).custom.traceparent).toBe(traceparentOf(clientSpan));
      const parent = only(spans.filter((s) => s.spanId === clientSpan.parentSpanId));
      expect(parent.kind).toBe(SERVER);
    }
    const [a, b] = clientSpans(spans);
    expect(a!.parentSpanId).not.toBe(b!.parentSpanId);
  });
});

describe('function names', () => {
  it.each([
    ['my-fn', 'us-east-1'],
    ['my-fn:live', 'us-east-1'],
    ['123456789012:function:my-fn', 'us-east-1'],
    ['123456789012:function:my-fn:7', 'us-east-1'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn', 'eu-west-1'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live', 'eu-west-1'],
  ])('names the span and faas.invoked_name for %s', async (functionName, region) => {
    const client = instrumented();

    await client.send(new InvokeCommand({ FunctionName: functionName }));

    expect(lastRequest().functionName).toBe(functionName);
    const span = only(clientSpans(await exported()));
    expect(span.name).toBe('my-fn');
    expect(span.attributes).toMatchObject({ 'faas.invoked_name': 'my-fn', 'faas.invoked_region': region, 'faas.invoked_provider': 'aws' });
  });
});

describe('asynchronous invoke (Event)', () => {
  it.each([
    ['string', (text: string) => text],
    ['Uint8Array', (text: string) => new TextEncoder().encode(text)],
    ['Buffer', (text: string) => Buffer.from(text)],
  ])('puts the context in the payload envelope of a JSON object (%s)', async (_form, encode) => {
    const client = instrumented();
    // Formatting and a large integer survive byte for byte: the envelope is spliced in.
    const original = '{ "orderId": 12345678901234567890, "amount": 1.50 }\n';

    await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: encode(original) }));

    const request = lastRequest();
    expect(request.invocationType).toBe('Event');
    expect(request.clientContext).toBeUndefined();
    const span = only(clientSpans(await exported()));
    const body = request.body.toString('utf8');
    expect(body).toBe(`{ "orderId": 12345678901234567890, "amount": 1.50 ,"_baton":{"traceparent":"${traceparentOf(span)}"}}\n`);
  });

  it('puts the context in an empty object too', async () => {
    const client = instrumented();

    await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: '{}' }));

    expect(JSON.parse(lastRequest().body.toString())).toEqual({ _baton: { traceparent: expect.stringMatching(/^00-/) } });
  });

  it('leaves payloads that are not JSON objects alone, and says so once', async () => {
    const client = instrumented();
    const payloads = ['[1,2,3]', '"hello"', 'hello', new Uint8Array([0xff, 0xfe, 0x00, 0x7b]), undefined];

    for (const payload of payloads) {
      await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: payload }));
      const expected = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload as string | Uint8Array);
      expect(lastRequest().body.equals(expected)).toBe(true);
    }

    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/not a JSON object/);
    expect(clientSpans(await exported())).toHaveLength(payloads.length);
  });

  it('keeps a caller’s own _baton key', async () => {
    const client = instrumented();
    const payload = '{"_baton":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},"a":1}';

    await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: payload }));

    expect(lastRequest().body.toString()).toBe(payload);
  });

  it('writes no envelope when the client’s payloadEnvelope option is off', async () => {
    const client = instrumented({ payloadEnvelope: false });

    await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: '{"a":1}' }));

    expect(lastRequest().body.toString()).toBe('{"a":1}');
    expect(clientSpans(await exported())).toHaveLength(1);
    expect(diagnostics).toHaveLength(0);
  });

  it('uses the envelope for the deprecated InvokeAsync', async () => {
    const client = instrumented();

    await client.send(new InvokeAsyncCommand({ FunctionName: 'orders', InvokeArgs: '{"a":1}' }));

    const span = only(clientSpans(await exported()));
    expect(span.name).toBe('orders');
    expect(JSON.parse(lastRequest().body.toString())).toEqual({ a: 1, _baton: { traceparent: traceparentOf(span) } });
  });
});

describe('DryRun', () => {
  it('injects nothing but still records the call', async () => {
    const client = instrumented();

    const output = await client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'DryRun', Payload: '{"a":1}' }));

    expect(output.StatusCode).toBe(204);
    expect(lastRequest().clientContext).toBeUndefined();
    expect(lastRequest().body.toString()).toBe('{"a":1}');
    expect(only(clientSpans(await exported())).name).toBe('orders');
  });
});

describe('InvokeWithResponseStream', () => {
  it('carries traceparent in X-Amz-Client-Context and reads the event stream', async () => {
    const client = instrumented();

    const output = await inInvocation(async () => {
      const response = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: '{"a":1}' }));
      const events: unknown[] = [];
      for await (const event of response.EventStream ?? []) events.push(event);
      return events;
    });

    expect(output).toEqual([
      { PayloadChunk: { Payload: new TextEncoder().encode('{"streamed":true}') } },
      { InvokeComplete: {} },
    ]);
    const request = lastRequest();
    expect(request.operation).toBe('InvokeWithResponseStream');
    const spans = await exported();
    const clientSpan = only(clientSpans(spans));
    expect(clientSpan.parentSpanId).toBe(only(spans.filter((s) => s.kind === SERVER)).spanId);
    expect(unb64(request.clientContext)).toEqual({ custom: { traceparent: traceparentOf(clientSpan) } });
  });

  it('rethrows a failure response and marks the span', async () => {
    const client = instrumented();

    const error = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'missing' })).catch((e: unknown) => e);

    expect((error as Error).name).toBe('ResourceNotFoundException');
    expect(lastRequest().clientContext).toBeDefined();
    const span = only(clientSpans(await exported()));
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBe('ResourceNotFoundException');
  });
});

describe('instrumentLambdaClient', () => {
  it('returns the same client and adds one middleware however often it is called', async () => {
    const client = sdkClient();

    const first = instrumentLambdaClient(client);
    const second = instrumentLambdaClient(first);

    expect(first).toBe(client);
    expect(second).toBe(client);
    expect(client.middlewareStack.identify().filter((m) => m.startsWith(MIDDLEWARE_NAME))).toHaveLength(1);
    await client.send(new InvokeCommand({ FunctionName: 'orders' }));
    expect(clientSpans(await exported())).toHaveLength(1);
    expect(Object.keys(unb64(lastRequest().clientContext).custom)).toEqual(['traceparent']);
  });

  it('returns anything that is not a client unchanged, without throwing', () => {
    const things: unknown[] = [undefined, null, 42, 'client', () => undefined, {}, { middlewareStack: {} , config: {} }, { send: () => undefined }];

    for (const thing of things) expect(instrumentLambdaClient(thing)).toBe(thing);

    expect(diagnostics).toHaveLength(1);
  });

  it('leaves other commands of the client alone', async () => {
    const client = instrumented();
    const { GetAccountSettingsCommand } = await import('@aws-sdk/client-lambda');

    await client.send(new GetAccountSettingsCommand({})).catch(() => undefined);

    expect(clientSpans(await exported())).toHaveLength(0);
  });
});

describe('the receiving side', () => {
  /** What the Node runtime gives the handler: the client context header decoded and parsed. */
  function runtimeContext(request: ReceivedInvoke): any {
    return lambdaContext({ functionName: 'orders', clientContext: request.clientContext === undefined ? undefined : unb64(request.clientContext) });
  }

  it('continues the caller’s CLIENT span from the client context of a synchronous invoke', async () => {
    const client = instrumented();
    await inInvocation(() => client.send(new InvokeCommand({ FunctionName: 'orders', Payload: '{"orderId":7}', ClientContext: b64({ custom: { tenant: 'acme' } }) })));
    const request = lastRequest();
    let seen: { event: unknown; custom: unknown } | undefined;
    const callee = withTracing(async (event: unknown, context: any) => {
      seen = { event: structuredClone(event), custom: context.clientContext?.custom };
      return { ok: true };
    });

    await callee(JSON.parse(request.body.toString()), runtimeContext(request));

    const spans = await exported();
    const clientSpan = only(clientSpans(spans));
    const calleeSpan = only(spans.filter((s) => s.kind === SERVER && s.name === 'orders'));
    expect(calleeSpan.parentSpanId).toBe(clientSpan.spanId);
    expect(calleeSpan.traceId).toBe(clientSpan.traceId);
    expect(seen?.event).toEqual({ orderId: 7 });
    expect(seen?.custom).toMatchObject({ tenant: 'acme' });
  });

  it('continues the caller’s CLIENT span from the envelope of an Event invoke and removes it', async () => {
    const client = instrumented();
    await inInvocation(() => client.send(new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: '{"orderId":7}' })));
    const request = lastRequest();
    let seen: unknown;
    const callee = withTracing(async (event: unknown, _context: unknown) => {
      seen = structuredClone(event);
    });

    // Lambda drops ClientContext on asynchronous invokes: the payload is all the function gets.
    await callee(JSON.parse(request.body.toString()), lambdaContext({ functionName: 'orders' }));

    const spans = await exported();
    const clientSpan = only(clientSpans(spans));
    const calleeSpan = only(spans.filter((s) => s.kind === SERVER && s.name === 'orders'));
    expect(calleeSpan.parentSpanId).toBe(clientSpan.spanId);
    expect(seen).toEqual({ orderId: 7 });
  });
});
