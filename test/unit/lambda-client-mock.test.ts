/**
 * NOT a test of injection. aws-sdk-client-mock replaces the client's `send`, so the
 * middleware stack (and our middleware in it) never runs; injection is tested against a real
 * HTTP server in test/integration/lambda-client.test.ts. This only shows that user code whose
 * tests mock the client keeps working once the client is instrumented.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentLambdaClient } from '../../src/index.js';

const lambdaMock = mockClient(LambdaClient);
afterEach(() => lambdaMock.reset());

describe('an instrumented client under aws-sdk-client-mock (does not cover injection)', () => {
  it('returns the mocked response to user code without crashing', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{"ok":true}') as never });
    const client = instrumentLambdaClient(new LambdaClient({ region: 'us-east-1' }));

    const output = await client.send(new InvokeCommand({ FunctionName: 'orders', Payload: '{}' }));

    expect(output.StatusCode).toBe(200);
    expect(new TextDecoder().decode(output.Payload)).toBe('{"ok":true}');
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('passes a mocked rejection through', async () => {
    lambdaMock.on(InvokeCommand).rejects(new Error('throttled'));
    const client = instrumentLambdaClient(new LambdaClient({ region: 'us-east-1' }));

    await expect(client.send(new InvokeCommand({ FunctionName: 'orders' }))).rejects.toThrow('throttled');
  });
});
