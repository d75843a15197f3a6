import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { APIGatewayProxyEventV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { headerCarriers, httpAttributes, httpResult, httpSpanName } from './http.js';
import { field, isObject, text } from './shape.js';
import { defineTrigger } from './types.js';
import { withAuthorizer } from './datadog-carrier.js';

/** Payload format 2.0 (HTTP API and Function URL): `version: "2.0"` and `requestContext.http`. */
export function isPayloadV2(event: unknown): boolean {
  return field(event, 'version') === '2.0' && isObject(field(field(event, 'requestContext'), 'http'));
}

/** `routeKey` is `"GET /orders/{id}"`, or `$default` when no route matched. */
function route(routeKey: string | undefined): string | undefined {
  if (routeKey === undefined || routeKey === '$default') return undefined;
  const space = routeKey.indexOf(' ');
  return space === -1 ? routeKey : routeKey.slice(space + 1);
}

/** Request attributes shared by the two payload-2.0 triggers. */
export function v2Attributes(event: APIGatewayProxyEventV2 | LambdaFunctionURLEvent, withRoute: boolean): Attributes {
  const http = field(event.requestContext, 'http');
  return httpAttributes({
    method: text(field(http, 'method')),
    path: text(event.rawPath) ?? text(field(http, 'path')),
    query: text(event.rawQueryString),
    scheme: 'https',
    route: withRoute ? route(text(field(event, 'routeKey'))) : undefined,
    host: text(field(event.requestContext, 'domainName')),
    client: text(field(http, 'sourceIp')),
    userAgent: text(field(http, 'userAgent')),
  });
}

/** An omitted `statusCode` is a 200 in payload format 2.0 (API Gateway developer guide). */
export const v2Result = (result: unknown) => httpResult(result, 200);

/** API Gateway HTTP API. Header names arrive lower-cased; repeated headers are comma-joined. */
export const apigwHttp = defineTrigger<APIGatewayProxyEventV2>({
  name: 'apigw-http',
  faasTrigger: 'http',
  kind: SpanKind.SERVER,
  matches: isPayloadV2,
  carriers: (event) => withAuthorizer(event, 'apigw-http', headerCarriers('apigw-http', event)),
  spanName: (event) => httpSpanName(text(field(field(event.requestContext, 'http'), 'method')), route(text(event.routeKey))),
  attributes: (event) => v2Attributes(event, true),
  result: v2Result,
});
