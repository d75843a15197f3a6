// Clients shared by the example functions. The SDK reads AWS_ENDPOINT_URL_LAMBDA,
// AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_EVENTBRIDGE, which the demo
// points at serverless-offline and moto.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { instrumentClient } from 'lambda-baton';

// With the layer, clients loaded from node_modules are instrumented without these calls; they
// are the documented one-liner for bundled SDKs, and harmless (idempotent) otherwise.
export const lambda = instrumentClient(new LambdaClient({}));
export const sqs = instrumentClient(new SQSClient({}));
export const sns = instrumentClient(new SNSClient({}));
export const events = instrumentClient(new EventBridgeClient({}));
