import { SpanKind } from '@opentelemetry/api';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { isPayloadV2, v2Attributes, v2Result } from './apigw-http.js';
import { headerCarriers, httpSpanName } from './http.js';
import { field, text } from './shape.js';
import { defineTrigger } from './types.js';

/** Lambda Function URL: payload 2.0 whose domain is `<id>.lambda-url.<region>.on.aws`. It has no routes. */
export const functionUrl = defineTrigger<LambdaFunctionURLEvent>({
  name: 'function-url',
  faasTrigger: 'http',
  kind: SpanKind.SERVER,
  matches: (event) => isPayloadV2(event) && (text(field(field(event, 'requestContext'), 'domainName'))?.includes('.lambda-url.') ?? false),
  carriers: (event) => headerCarriers('function-url', event),
  spanName: (event) => httpSpanName(text(field(field(event.requestContext, 'http'), 'method')), undefined),
  attributes: (event) => v2Attributes(event, false),
  result: v2Result,
});
