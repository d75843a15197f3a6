import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda context object as the Node runtime builds it, with a real deadline. */
export function lambdaContext(overrides: Partial<Context> & { timeoutMs?: number } = {}): Context {
  const { timeoutMs = 30_000, ...rest } = overrides;
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'orders-api',
    functionVersion: '7',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api:live',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/orders-api',
    logStreamName: '2026/11/21/[7]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...rest,
  };
}
