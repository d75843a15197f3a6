/**
 * Process configuration seen by an instrumented Lambda client: each case is a fresh cold
 * start (`resetTracingForTests`), so this file makes its own tracing, one setting at a time.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentLambdaClient } from '../../src/index.js';
import { getTracing, resetTracingForTests } from '../../src/tracer/provider.js';
import { startFakeLambda } from '../support/fake-lambda.js';
import type { FakeLambda } from '../support/fake-lambda.js';
import { exportsAnswered } from '../support/exports.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const CLIENT = 3;
let lambda: FakeLambda;
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  lambda = await startFakeLambda();
});
afterEach(async () => {
  await resetTracingForTests();
  receiver.reset();
  lambda.reset();
});
afterAll(async () => {
  await Promise.all([receiver.close(), lambda.close()]);
});

function client(): LambdaClient {
  return instrumentLambdaClient(
    new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 }),
  );
}

const event = (payload: string) => new InvokeCommand({ FunctionName: 'orders', InvocationType: 'Event', Payload: payload });

describe('an instrumented Lambda client', () => {
  it('passes calls through untouched when instrumentation is disabled', async () => {
    expect(getTracing({ enabled: false }, {})).toBeUndefined();
    const lambdaClient = client();

    await lambdaClient.send(new InvokeCommand({ FunctionName: 'orders', Payload: '{"a":1}' }));
    await lambdaClient.send(event('{"a":1}'));

    expect(lambda.requests.map((r) => [r.clientContext, r.body.toString()])).toEqual([
      [undefined, '{"a":1}'],
      [undefined, '{"a":1}'],
    ]);
  });

  it('writes no envelope when payloadEnvelope is off in the process configuration', async () => {
    const tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', payloadEnvelope: false }, {})!;

    await client().send(event('{"a":1}'));

    expect(lambda.requests[0]?.body.toString()).toBe('{"a":1}');
    await tracing.flush(5000);
    await exportsAnswered();
    expect(receiver.spans.filter((s) => s.kind === CLIENT)).toHaveLength(1);
  });

  it('writes no envelope when BATON_PAYLOAD_ENVELOPE=false', async () => {
    getTracing({ endpoint: receiver.url, protocol: 'http/json' }, { BATON_PAYLOAD_ENVELOPE: 'false' });

    await client().send(event('{"a":1}'));

    expect(lambda.requests[0]?.body.toString()).toBe('{"a":1}');
  });
});
