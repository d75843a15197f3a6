import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { multiValueGetter, stringGetter } from '../propagation/getters.js';
import type { Carrier, ResultInfo } from './types.js';
import { field, isObject } from './shape.js';

/** What an HTTP trigger knows about its request; every part may be missing. */
export interface HttpRequest {
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  readonly query?: string | undefined;
  readonly scheme?: string | undefined;
  readonly route?: string | undefined;
  readonly host?: string | undefined;
  readonly client?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** HTTP server attributes (semantic conventions). Header values other than these never become attributes. */
export function httpAttributes(request: HttpRequest): Attributes {
  const attributes: Attributes = {};
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') attributes[key] = value;
  };
  set(ATTR_HTTP_REQUEST_METHOD, request.method);
  set(ATTR_URL_PATH, request.path);
  set(ATTR_URL_QUERY, request.query);
  set(ATTR_URL_SCHEME, request.scheme);
  set(ATTR_HTTP_ROUTE, request.route);
  set(ATTR_SERVER_ADDRESS, request.host);
  set(ATTR_CLIENT_ADDRESS, request.client);
  set(ATTR_USER_AGENT_ORIGINAL, request.userAgent);
  return attributes;
}

/** Semantic conventions: `{method} {route}`, or `{method}` alone when there is no route. */
export function httpSpanName(method: string | undefined, route: string | undefined): string {
  const verb = method === undefined || method === '' ? 'HTTP' : method;
  return route === undefined || route === '' ? verb : `${verb} ${route}`;
}

/** A header's value from `headers`, else the first from `multiValueHeaders`, matched case-insensitively. */
export function header(event: unknown, name: string): string | undefined {
  const value = stringGetter.get(field(event, 'headers'), name);
  if (typeof value === 'string') return value;
  // ALB with multi-value headers on sends only `multiValueHeaders`: its first value.
  const values = multiValueGetter.get(field(event, 'multiValueHeaders'), name);
  return Array.isArray(values) ? values[0] : values;
}

/**
 * Header carriers. `multiValueHeaders` keeps every value in the order sent; REST APIs put
 * only the last value of a repeated header in `headers`. When the multi-value map holds
 * headers it is the whole request, and `headers` is not read: a repeated `traceparent`
 * there is invalid, and the last value alone in `headers` must not stand in for it.
 */
export function* headerCarriers(trigger: string, event: unknown): Iterable<Carrier> {
  const multi = field(event, 'multiValueHeaders');
  if (isObject(multi) && hasKeys(multi)) {
    yield { path: `${trigger}.multiValueHeaders`, carrier: multi, getter: multiValueGetter };
    return;
  }
  const headers = field(event, 'headers');
  if (isObject(headers)) yield { path: `${trigger}.headers`, carrier: headers, getter: stringGetter };
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}

/**
 * `statusCode` from the result; a 5xx is an error (semantic conventions, HTTP server spans).
 * Only a three-digit status (RFC 9110 section 15: 100 to 599) becomes the attribute.
 */
export function httpResult(result: unknown, assumed?: number): ResultInfo | undefined {
  const raw = field(result, 'statusCode');
  const status = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseInt(raw, 10) : assumed;
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  return { attributes: { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status }, error: status >= 500 };
}

/**
 * Rebuild a query string from API Gateway v1 / ALB parameter maps (they carry no raw query).
 * API Gateway decodes them: a `&` (or a `=` in a key) is escaped again so that each pair stays
 * one pair, and a redacted value cannot leak past an `&` it contained.
 */
export function queryFromParameters(event: unknown): string | undefined {
  const multi = field(event, 'multiValueQueryStringParameters');
  const single = field(event, 'queryStringParameters');
  let query = '';
  const add = (rawKey: string, rawValue: unknown): void => {
    if (typeof rawValue !== 'string') return;
    const key = rawKey.replace(/[&=]/g, encodeURIComponent);
    const value = rawValue.includes('&') ? rawValue.replace(/&/g, '%26') : rawValue;
    query = query === '' ? `${key}=${value}` : `${query}&${key}=${value}`;
  };
  if (isObject(multi)) {
    for (const key in multi) {
      const values = multi[key];
      if (Array.isArray(values) && Object.prototype.hasOwnProperty.call(multi, key)) for (const v of values) add(key, v);
    }
  } else if (isObject(single)) {
    for (const key in single) if (Object.prototype.hasOwnProperty.call(single, key)) add(key, single[key]);
  }
  return query === '' ? undefined : query;
}

/** The first address of `X-Forwarded-For`: the client as the load balancer saw it. */
export function forwardedFor(event: unknown): string | undefined {
  return header(event, 'x-forwarded-for')?.split(',')[0]?.trim() || undefined;
}

