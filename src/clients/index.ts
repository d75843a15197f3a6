import { eventbridge } from './eventbridge.js';
import { kinesis } from './kinesis.js';
import { lambda } from './lambda.js';
import { instrumentWith } from './sdk.js';
import type { InstrumentClientOptions, SdkService } from './sdk.js';
import { sns } from './sns.js';
import { sqs } from './sqs.js';
import { stepfunctions } from './stepfunctions.js';

/** Every AWS service whose client we instrument. Adding one is a module and a line here. */
export const SDK_SERVICES: readonly SdkService[] = [lambda, sqs, sns, eventbridge, kinesis, stepfunctions];

/**
 * Trace an AWS SDK v3 client's sends, and pass the trace on with each of them: a CLIENT span
 * per Lambda invoke, a PRODUCER span per SQS, SNS, EventBridge, Kinesis or Step Functions
 * send, each under the active context, with that span's context written where the service
 * carries it (README, "Propagation conventions"). Returns the same client; instrumenting
 * twice is the same as once; any other client, or anything that is not a client, is returned
 * untouched. Instrument before the client's first call if it caches middleware
 * (`cacheMiddleware: true`).
 *
 * @example
 * import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
 * import { instrumentClient, withTracing } from 'lambda-baton';
 *
 * const sqs = instrumentClient(new SQSClient({}));
 * export const handler = withTracing(async (event) => {
 *   await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(event) }));
 * });
 */
export function instrumentClient<C>(client: C, options: InstrumentClientOptions = {}): C {
  return instrumentWith(client, SDK_SERVICES, options);
}

/**
 * The same function as {@link instrumentClient}, under the name it has had since lambda-baton
 * instrumented only Lambda clients: `Invoke`, `InvokeWithResponseStream` and `InvokeAsync`
 * get a CLIENT span, and the context travels in `ClientContext.custom` (synchronous) or the
 * `_baton` payload envelope (asynchronous).
 */
export const instrumentLambdaClient: <C>(client: C, options?: InstrumentClientOptions) => C = instrumentClient;
