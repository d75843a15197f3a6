import type { Attributes } from '@opentelemetry/api';
import { ATTR_URL_FULL, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';

/** What a redacted query value is replaced by (OpenTelemetry semantic conventions, `url.query`). */
export const REDACTED = 'REDACTED';

/**
 * Query keys whose values are never exported, compared case-insensitively:
 * - those OpenTelemetry's URL attributes say SHOULD be redacted by default (semantic-conventions
 *   `docs/registry/attributes/url.md`, `url.query` and `url.full`);
 * - AWS Signature Version 4 pre-signed URL parameters (Amazon S3 API reference,
 *   "Authenticating Requests: Using Query Parameters");
 * - common names of credentials and secrets (OAuth 2.0, RFC 6749 sections 4.1.2 and 5.1).
 */
export const DEFAULT_REDACTED_QUERY_KEYS: readonly string[] = Object.freeze([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'password',
  'api_key',
  'apikey',
  'secret',
  'client_secret',
  'code',
]);

/** The lowercased keys to redact: the built-in list and the configured ones (`redactQueryKeys`). */
export type QueryRedaction = ReadonlySet<string>;

const DEFAULT_REDACTION: QueryRedaction = new Set(DEFAULT_REDACTED_QUERY_KEYS.map((k) => k.toLowerCase()));
// The configuration is frozen at cold start; its list maps to one set, made once.
const made = new WeakMap<readonly string[], QueryRedaction>();

/** The redaction for a configuration's `redactQueryKeys`, made once per list. */
export function queryRedaction(extra: readonly string[] = []): QueryRedaction {
  if (extra.length === 0) return DEFAULT_REDACTION;
  let set = made.get(extra);
  if (set === undefined) {
    set = new Set([...DEFAULT_REDACTION, ...extra.map((k) => k.toLowerCase())]);
    made.set(extra, set);
  }
  return set;
}

/** A key as a browser or server reads it: `+` is a space, `%XX` decoded; a malformed escape stays as written. */
function decodeKey(key: string): string {
  const spaced = key.includes('+') ? key.replace(/\+/g, ' ') : key;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * A query string (without `?`) with the value of every redacted key replaced by `REDACTED`;
 * every other pair, and the order, unchanged. `token=a&page=2` → `token=REDACTED&page=2`.
 */
export function redactQuery(query: string, redaction: QueryRedaction = DEFAULT_REDACTION): string {
  if (!query.includes('=')) return query;
  let changed = false;
  const pairs = query.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as string;
    const eq = pair.indexOf('=');
    if (eq === -1 || eq === pair.length - 1) continue; // no value to hide
    const key = pair.slice(0, eq);
    if (redaction.has(decodeKey(key).toLowerCase())) {
      pairs[i] = `${key}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? pairs.join('&') : query;
}

/** A URL with its query redacted as `redactQuery` does; the rest, fragment included, unchanged. */
export function redactUrl(url: string, redaction: QueryRedaction = DEFAULT_REDACTION): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const hash = url.indexOf('#', mark);
  const end = hash === -1 ? url.length : hash;
  return `${url.slice(0, mark + 1)}${redactQuery(url.slice(mark + 1, end), redaction)}${url.slice(end)}`;
}

/** Redact `url.query` and `url.full` in place, wherever a URL became an attribute. */
export function redactUrlAttributes(attributes: Attributes, redaction: QueryRedaction): void {
  const query = attributes[ATTR_URL_QUERY];
  if (typeof query === 'string') attributes[ATTR_URL_QUERY] = redactQuery(query, redaction);
  const full = attributes[ATTR_URL_FULL];
  if (typeof full === 'string') attributes[ATTR_URL_FULL] = redactUrl(full, redaction);
}
