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
  attributes: (event) => {
    const multi = field(event, 'multiValueHeaders');
    const first = (name: string): string | undefined => {
      const values = isObject(multi) ? Object.entries(multi).find(([k]) => k.toLowerCase() === name)?.[1] : undefined;
      return Array.isArray(values) ? text(values[0]) : undefined;
    };
    return httpAttributes({
      method: text(event.httpMethod),
      path: text(event.path),
      query: queryFromParameters(event),
      scheme: header(event, 'x-forwarded-proto') ?? first('x-forwarded-proto'),
      host: header(event, 'host') ?? first('host'),
      client: forwardedFor(event) ?? first('x-forwarded-for')?.split(',')[0]?.trim(),
      userAgent: header(event, 'user-agent') ?? first('user-agent'),
    });
  },
  result: (result) => httpResult(result),
});
