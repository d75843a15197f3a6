import { SpanKind } from '@opentelemetry/api';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { headerCarriers, httpAttributes } from './http.js';
import { field, text } from './shape.js';
import { defineTrigger } from './types.js';
import { withAuthorizer } from './datadog-carrier.js';

/** API Gateway WebSocket API: `requestContext.eventType` and `connectionId`. Only CONNECT carries headers. */
export const apigwWebsocket = defineTrigger<APIGatewayProxyWebsocketEventV2>({
  name: 'apigw-websocket',
  faasTrigger: 'http',
  kind: SpanKind.SERVER,
  matches: (event) =>
    typeof field(field(event, 'requestContext'), 'eventType') === 'string' &&
    typeof field(field(event, 'requestContext'), 'connectionId') === 'string',
  carriers: (event) => withAuthorizer(event, 'apigw-websocket', headerCarriers('apigw-websocket', event)),
  spanName: (event) => text(field(event.requestContext, 'routeKey')) ?? 'websocket',
  attributes: (event) =>
    httpAttributes({
      scheme: 'wss',
      host: text(field(event.requestContext, 'domainName')),
      client: text(field(field(event.requestContext, 'identity'), 'sourceIp')),
      userAgent: text(field(field(event.requestContext, 'identity'), 'userAgent')),
    }),
});
