import { DATADOG_KEY } from '../propagation/datadog.js';
import { MAX_FIELD_LENGTH, decodeBase64Text, stringGetter } from '../propagation/getters.js';
import { field, isObject, parseObject, text } from './shape.js';
import type { Json } from './shape.js';
import type { Carrier } from './types.js';

/*
 * Where Datadog's libraries put their propagation fields when a trigger has no headers: one
 * `_datadog` value holding the same fields as HTTP headers (`x-datadog-trace-id`, …, and,
 * from dd-trace-js, `traceparent` and `tracestate` too). Its forms, from datadog-lambda-js
 * (src/trace/context/extractors/*.ts) and dd-trace-js (packages/datadog-plugin-aws-sdk):
 * an object (EventBridge `detail`, Kinesis data, client context `custom`), JSON text (an SQS
 * or SNS String attribute), base64 of JSON (an SQS or SNS Binary attribute, an authorizer's
 * context). Every form becomes a plain carrier read like headers; anything else is no carrier.
 */

const carrierOf = (value: Json | undefined, path: string): Carrier | undefined =>
  value === undefined ? undefined : { path: `${path}.${DATADOG_KEY}`, carrier: value, getter: stringGetter };

const bounded = (value: unknown): string | undefined => {
  const raw = text(value);
  return raw === undefined || raw.length > MAX_FIELD_LENGTH ? undefined : raw;
};

const fromBase64 = (value: unknown): Json | undefined => {
  const raw = bounded(value);
  return raw === undefined ? undefined : parseObject(decodeBase64Text(raw));
};

/** `container._datadog` as an object (EventBridge `detail`, Kinesis data, client context `custom`). */
export function datadogObjectCarrier(container: unknown, path: string): Carrier | undefined {
  const value = field(container, DATADOG_KEY);
  return carrierOf(isObject(value) ? value : undefined, path);
}

/**
 * An SQS record's `messageAttributes._datadog`: `stringValue` (JSON) or, when SNS delivered
 * the message raw, `binaryValue` (base64 of JSON), read in that order as Datadog does.
 */
export function sqsDatadogCarrier(attributes: unknown, path: string): Carrier | undefined {
  const attribute = field(attributes, DATADOG_KEY);
  if (!isObject(attribute)) return undefined;
  const json = parseObject(bounded(field(attribute, 'stringValue'))) ?? fromBase64(field(attribute, 'binaryValue'));
  return carrierOf(json, path);
}

/** SNS `MessageAttributes._datadog` (also inside a notification in an SQS body): `{ Type, Value }`, Binary as base64. */
export function snsDatadogCarrier(attributes: unknown, path: string): Carrier | undefined {
  const attribute = field(attributes, DATADOG_KEY);
  if (!isObject(attribute)) return undefined;
  const value = field(attribute, 'Value');
  const json = field(attribute, 'Type') === 'Binary' ? fromBase64(value) : parseObject(bounded(value));
  return carrierOf(json, path);
}

/** datadog-lambda-js names the request its authorizer ran for in this field. */
const AUTHORIZING_REQUEST_ID = 'x-datadog-authorizing-requestid';

/**
 * A Datadog-traced Lambda authorizer's context: `requestContext.authorizer._datadog` (REST
 * and WebSocket APIs) or `requestContext.authorizer.lambda._datadog` (HTTP APIs), base64 of
 * JSON. API Gateway caches an authorizer's answer, context and all, so the context is used
 * only when the authorizer ran for this request: a non-zero `integrationLatency`, or the
 * request id the authorizer recorded (datadog-lambda-js, extractors/http.ts).
 */
export function authorizerDatadogCarrier(event: unknown, trigger: string): Carrier | undefined {
  const requestContext = field(event, 'requestContext');
  const authorizer = field(requestContext, 'authorizer');
  if (!isObject(authorizer)) return undefined;
  let at = `${trigger}.requestContext.authorizer`;
  let raw = field(authorizer, DATADOG_KEY);
  if (raw === undefined && isObject(field(authorizer, 'lambda'))) {
    raw = field(field(authorizer, 'lambda'), DATADOG_KEY);
    at += '.lambda';
  }
  if (raw === undefined) return undefined;
  const json = fromBase64(raw);
  if (json === undefined) return undefined;
  const latency = field(authorizer, 'integrationLatency');
  const requestId = text(field(requestContext, 'requestId'));
  const fresh = (typeof latency === 'number' && latency > 0) || (requestId !== undefined && field(json, AUTHORIZING_REQUEST_ID) === requestId);
  return fresh ? carrierOf(json, at) : undefined;
}

/** A trigger's carriers with a Datadog-traced authorizer's context first: the authorizer ran inside this request. */
export function* withAuthorizer(event: unknown, trigger: string, rest: Iterable<Carrier>): Iterable<Carrier> {
  const authorizer = authorizerDatadogCarrier(event, trigger);
  if (authorizer !== undefined) yield authorizer;
  yield* rest;
}
