// Clients shared by the example functions. The SDK reads AWS_ENDPOINT_URL_LAMBDA and
// AWS_ENDPOINT_URL_SQS, which the demo points at serverless-offline and moto.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { instrumentLambdaClient } from 'lambda-baton';

// With the layer, clients loaded from node_modules are instrumented without this line; it is
// the documented one-liner for bundled SDKs, and harmless (idempotent) otherwise.
export const lambda = instrumentLambdaClient(new LambdaClient({}));
export const sqs = new SQSClient({});
