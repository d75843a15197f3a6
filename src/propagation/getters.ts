import type { TextMapGetter } from '@opentelemetry/api';

/**
 * A getter that can also say how a key is spelt in the carrier, so that `baton inspect`
 * can name the exact place a context came from (`headers.TraceParent`).
 */
export interface BatonGetter<C> extends TextMapGetter<C> {
  /** The key as it appears in the carrier, or undefined when absent. */
  spelling(carrier: C, key: string): string | undefined;
}

/**
 * Values larger than this are treated as absent. The largest legitimate field is a W3C
 * baggage header (8,192 bytes by the baggage specification); anything far beyond it is
 * hostile or broken, and must not reach a parser.
 */
export const MAX_FIELD_LENGTH = 16_384;

type Entries = Record<string, unknown>;

function isEntries(value: unknown): value is Entries {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The own key that matches `wanted` (lower case) case-insensitively. Exact spelling first:
 * HTTP API, Function URL and message-attribute carriers are already lower case. Otherwise
 * a scan that lower-cases only keys of the right length: a per-carrier index cost more to
 * build than the dozen lookups an invocation makes (bench/extract.mjs). Own keys only: a
 * `__proto__` key parsed from JSON is an own key and is read as one; a polluted
 * Object.prototype supplies nothing.
 */
function findKey(entries: Entries, wanted: string): string | undefined {
  if (hasOwn.call(entries, wanted)) return wanted;
  const length = wanted.length;
  for (const key in entries) {
    if (key.length === length && key.toLowerCase() === wanted && hasOwn.call(entries, key)) return key;
  }
  return undefined;
}

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD_LENGTH) return undefined;
  return value;
}

/**
 * A case-insensitive getter over a plain object whose values are read by `read`.
 * Propagators ask for lower-case field names; carriers keep the sender's case.
 */
export function objectGetter(read: (entry: unknown) => string | string[] | undefined): BatonGetter<unknown> {
  return {
    keys(carrier) {
      return isEntries(carrier) ? Object.keys(carrier) : [];
    },
    get(carrier, key) {
      if (!isEntries(carrier)) return undefined;
      const found = findKey(carrier, key.toLowerCase());
      return found === undefined ? undefined : read(carrier[found]);
    },
    spelling(carrier, key) {
      if (!isEntries(carrier)) return undefined;
      const found = findKey(carrier, key.toLowerCase());
      return found !== undefined && read(carrier[found]) !== undefined ? found : undefined;
    },
  };
}

/** Plain string values: HTTP `headers`, envelopes, client-context `custom`. */
export const stringGetter = objectGetter(clean);

/**
 * `multiValueHeaders` (API Gateway REST, ALB): the values of a header as sent. The W3C
 * propagators accept an array (tracestate and baggage lists are joined; for traceparent the
 * trace-context specification allows only one header, and OTel reads the first).
 */
export const multiValueGetter = objectGetter((entry) => {
  if (!Array.isArray(entry)) return undefined;
  // One value (nearly always) reads as that value: no array to build, and propagators treat both alike.
  if (entry.length === 1) return clean(entry[0]);
  const values = entry.map(clean).filter((v): v is string => v !== undefined);
  return values.length === 0 ? undefined : values;
});

/** An own field of an attribute entry: an Object.prototype polluted elsewhere must not supply one. */
function own(entry: Entries, key: string): unknown {
  return hasOwn.call(entry, key) ? entry[key] : undefined;
}

/** SQS `messageAttributes`: `{ stringValue, dataType }`; Binary attributes carry no text context. */
export const sqsAttributeGetter = objectGetter((entry) =>
  isEntries(entry) ? clean(own(entry, 'stringValue')) : undefined,
);

/** SNS `MessageAttributes` (and the notification JSON in an SQS body): `{ Type, Value }`, Binary is base64. */
export const snsAttributeGetter = objectGetter((entry) => {
  if (!isEntries(entry)) return undefined;
  const value = clean(own(entry, 'Value'));
  if (value === undefined) return undefined;
  return own(entry, 'Type') === 'Binary' ? decodeBase64Text(value) : value;
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 to UTF-8 text; undefined for anything that is not base64 of printable text. */
export function decodeBase64Text(value: string): string | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  // Binary data that is not text (or decoded with replacement characters) carries no context.
  return text.length > 0 && !text.includes('\uFFFD') ? text : undefined;
}

/**
 * A carrier with a single X-Ray header stored under another name (SQS's
 * `attributes.AWSTraceHeader`). The X-Ray propagator looks its field up by `keys()`.
 */
export function xrayFieldGetter(fieldName: string): BatonGetter<unknown> {
  const read = (carrier: unknown): string | undefined =>
    isEntries(carrier) && hasOwn.call(carrier, fieldName) ? clean(carrier[fieldName]) : undefined;
  return {
    keys: (carrier) => (read(carrier) === undefined ? [] : [XRAY_HEADER]),
    get: (carrier, key) => (key.toLowerCase() === XRAY_HEADER ? read(carrier) : undefined),
    spelling: (carrier, key) => (key.toLowerCase() === XRAY_HEADER && read(carrier) !== undefined ? fieldName : undefined),
  };
}

export const XRAY_HEADER = 'x-amzn-trace-id';
