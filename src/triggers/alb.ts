import { SpanKind } from '@opentelemetry/api';
import type { ALBEvent } from 'aws-lambda';
import { forwardedFor, header, headerCarriers, httpAttributes, httpResult, httpSpanName, queryFromParameters } from './http.js';
import { field, isObject, text } from './shape.js';
import { defineTrigger } from './types.js';

/** Application Load Balancer: `requestContext.elb`. With multi-value headers on, only `multiValueHeaders` is sent. */
export const alb = defineTrigger<ALBEvent>({
  name: 'alb',
  faasTrigger: 'http',
  kind: SpanKind.SERVER,
  matches: (event) => isObject(field(field(event, 'requestContext'), 'elb')),
  carriers: (event) => headerCarriers('alb', event),
  spanName: (event) => httpSpanName(text(event.httpMethod), undefined),
  attributes: (event) =>
    httpAttributes({
      method: text(event.httpMethod),
      path: text(event.path),
      query: queryFromParameters(event),
      scheme: header(event, 'x-forwarded-proto'),
      host: header(event, 'host'),
      client: forwardedFor(event),
      userAgent: header(event, 'user-agent'),
    }),
  result: (result) => httpResult(result),
});
