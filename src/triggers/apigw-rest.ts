import { SpanKind } from '@opentelemetry/api';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { header, headerCarriers, httpAttributes, httpResult, httpSpanName, queryFromParameters } from './http.js';
import { field, isObject, text } from './shape.js';
import { defineTrigger } from './types.js';
import { withAuthorizer } from './datadog-carrier.js';

/** API Gateway REST API (payload format 1.0): `httpMethod`, `resource`, `requestContext.stage`. */
export const apigwRest = defineTrigger<APIGatewayProxyEvent>({
  name: 'apigw-rest',
  faasTrigger: 'http',
  kind: SpanKind.SERVER,
  matches: (event) =>
    typeof field(event, 'httpMethod') === 'string' &&
    typeof field(event, 'resource') === 'string' &&
    isObject(field(event, 'requestContext')) &&
    field(field(event, 'requestContext'), 'elb') === undefined,
  carriers: (event) => withAuthorizer(event, 'apigw-rest', headerCarriers('apigw-rest', event)),
  spanName: (event) => httpSpanName(text(event.httpMethod), text(event.resource)),
  attributes: (event) => {
    const identity = field(event.requestContext, 'identity');
    return httpAttributes({
      method: text(event.httpMethod),
      path: text(event.path),
      query: queryFromParameters(event),
      scheme: header(event, 'x-forwarded-proto') ?? 'https',
      route: text(event.resource),
      host: header(event, 'host') ?? text(field(event.requestContext, 'domainName')),
      client: text(field(identity, 'sourceIp')),
      userAgent: text(field(identity, 'userAgent')) ?? header(event, 'user-agent'),
    });
  },
  result: (result) => httpResult(result),
});
