import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resetDiagnostics } from '../../src/diagnostics.js';
import { inspectEvent } from '../../src/inspect.js';
import type { InspectResult, InspectedContext } from '../../src/inspect.js';
import { TRIGGERS } from '../../src/triggers/index.js';
import { EVENTS_DIR, loadContext, loadEvent, triggerFolders } from '../support/fixtures.js';
import { useDiagnostics } from '../support/diagnostics.js';

/*
 * Parsing code gets property-based tests (style.md, "Tests"): events are input, so any value
 * must give a well-formed result and never an exception. Runs are sized to keep the file
 * under five seconds.
 */

const TRIGGER_NAMES: readonly string[] = TRIGGERS.map((t) => t.name);
const FAAS_TRIGGERS = ['http', 'pubsub', 'datasource', 'timer', 'other'];
const BATCH_TRIGGERS = ['sqs', 'sns', 'kinesis'];
const CONTRACT_KEYS = ['attributes', 'baggage', 'faasTrigger', 'links', 'parent', 'spanName', 'trigger'];
/** Every field name a propagator reads (design.md section 1, "Keys"). */
const PROPAGATION_FIELDS = [
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-b3-parentspanid',
  'x-amzn-trace-id',
];

const VALID_TRACEPARENT = '00-0a020003000100000000000000000001-0a02000300010001-01';

// ---------------------------------------------------------------- checks

/** The diagnostics emitted during a run: the catch-all in extraction must never be what saves us. */
const diagnostics = useDiagnostics();

function inspect(event: unknown, context: object = {}, env: NodeJS.ProcessEnv = {}): InspectResult {
  resetDiagnostics();
  diagnostics.length = 0;
  const result = inspectEvent(event, context, env);
  const failures = diagnostics.filter((line) => line.includes('could not read the trace context'));
  if (failures.length > 0) throw new Error(`extraction threw and was caught: ${failures.join('; ')}`);
  return result;
}

const isPrimitive = (v: unknown): boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v));

function expectAttributes(attributes: unknown): void {
  expect(typeof attributes).toBe('object');
  for (const [key, value] of Object.entries(attributes as object)) {
    expect(typeof key).toBe('string');
    const ok = isPrimitive(value) || (Array.isArray(value) && value.every((v) => v === null || isPrimitive(v)));
    if (!ok) throw new Error(`attribute ${key} is not a primitive or an array of primitives: ${String(value)}`);
  }
}

function expectContext(found: InspectedContext): void {
  expect(found.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(found.traceId).not.toBe('0'.repeat(32));
  expect(found.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(found.spanId).not.toBe('0'.repeat(16));
  expect(typeof found.sampled).toBe('boolean');
  expect(typeof found.source).toBe('string');
  expect(found.source.length).toBeGreaterThan(0);
}

/** What every result must look like, whatever the event. */
function expectWellFormed(result: InspectResult, event: unknown): void {
  const batch = BATCH_TRIGGERS.includes(result.trigger);
  expect(Object.keys(result).sort()).toEqual(batch ? [...CONTRACT_KEYS, 'records'].sort() : CONTRACT_KEYS);
  expect(TRIGGER_NAMES).toContain(result.trigger);
  expect(FAAS_TRIGGERS).toContain(result.faasTrigger);
  expect(typeof result.spanName).toBe('string');
  expect(result.spanName.length).toBeGreaterThan(0);
  if (result.parent !== null) expectContext(result.parent);
  for (const link of result.links) {
    expectContext(link);
    expectAttributes(link.attributes);
  }
  if (batch) {
    const records = (event as { Records: unknown[] }).Records;
    expect(result.records).toHaveLength(records.length);
    for (const record of result.records ?? []) if (record !== null) expectContext(record);
  }
  for (const [key, value] of Object.entries(result.baggage)) {
    expect(typeof key).toBe('string');
    expect(typeof value).toBe('string');
  }
  expectAttributes(result.attributes);
  expect(result.attributes['faas.trigger']).toBe(result.faasTrigger);
  expect(() => JSON.stringify(result)).not.toThrow();
}

// ---------------------------------------------------------------- arbitraries

/** A JSON value: null, booleans, finite numbers, strings, arrays, and plain (or null-prototype) objects. */
function isJsonable(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonable(v, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => isJsonable(v, depth + 1));
}

const hexChar = fc.constantFrom(...'0123456789abcdef');
const hex = (length: number) => fc.string({ unit: hexChar, minLength: length, maxLength: length });

/** Valid traceparents and near misses: bad versions, zero or upper-case ids, wrong lengths, tails. */
const traceparentLike = fc.oneof(
  { weight: 3, arbitrary: fc.constant(VALID_TRACEPARENT) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.oneof(hex(2), fc.constantFrom('00', '00', 'ff', 'cc', '0', '000', 'FF')),
        fc.oneof(hex(32), fc.constant('0'.repeat(32)), hex(32).map((s) => s.toUpperCase()), hex(31)),
        fc.oneof(hex(16), fc.constant('0'.repeat(16)), hex(16).map((s) => s.toUpperCase()), hex(17)),
        fc.oneof(hex(2), fc.constantFrom('0', '1', '0g')),
        fc.oneof(fc.constant(''), fc.constant(''), fc.constant('-'), fc.string().map((s) => `-${s}`), fc.string()),
        fc.constantFrom('-', '-', '-', '-', '_', '.'),
      )
      .map(([v, t, s, f, tail, sep]) => `${v}${sep}${t}-${s}-${f}${tail}`),
  },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
);

/** Leading and trailing whitespace: HTTP's OWS (space, tab) and whitespace that is not OWS. */
const surrounding = fc.constantFrom('', '', '', ' ', '\t', '  ', ' \t', '\u00a0', '\ufeff', '\n', '\r\n', '\v');

const xrayLike = fc.oneof(
  fc.constant('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'),
  fc.constant('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:0'),
  fc.tuple(hex(8), hex(24), hex(16), fc.constantFrom('0', '1', '?', '')).map(([a, b, p, s]) => `Root=1-${a}-${b};Parent=${p};Sampled=${s}`),
  fc.string(),
);

/** A value a propagator might be handed: real-looking or not, string or not. */
const fieldValue = fc.oneof(traceparentLike, xrayLike, fc.string(), fc.jsonValue({ maxDepth: 2 }));
const fieldName = fc.oneof(fc.mixedCase(fc.constantFrom(...PROPAGATION_FIELDS)), fc.string({ maxLength: 12 }));
const carrierLike = fc.oneof(fc.dictionary(fieldName, fieldValue, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 2 }));

/** Any object as the Lambda context, from arbitrary objects to contexts with a client context. */
const contextArbitrary: fc.Arbitrary<object> = fc.oneof(
  fc.object(),
  fc.record(
    {
      functionName: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
      functionVersion: fc.oneof(fc.string(), fc.constant('7')),
      invokedFunctionArn: fc.oneof(
        fc.string(),
        fc.constant('arn:aws:lambda:us-east-1:123456789012:function:order-processor:live'),
        fc.constant('arn:'),
      ),
      awsRequestId: fc.oneof(fc.string(), fc.integer()),
      clientContext: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ custom: carrierLike, client: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom('default', 'alias', 'client-context-w3c', 'client-context-b3', 'client-context-malformed').map((n) => loadContext(n)),
);

/** Every fixture, with one place in it (a path of keys) that can be replaced. */
const FIXTURES: { event: unknown; paths: (string | number)[][] }[] = triggerFolders().flatMap((trigger) =>
  readdirSync(`${EVENTS_DIR}${trigger}`)
    .filter((f) => f.endsWith('.json') && f !== 'expected.json')
    .map((f) => {
      const event: unknown = loadEvent(trigger, f.slice(0, -'.json'.length));
      return { event, paths: pathsOf(event, [], 6) };
    }),
);

function pathsOf(value: unknown, at: (string | number)[], depth: number): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (depth === 0 || typeof value !== 'object' || value === null) return out;
  const entries = Array.isArray(value) ? value.slice(0, 3).map((v, i) => [i, v] as const) : Object.entries(value);
  for (const [key, child] of entries.slice(0, 1000)) out.push(...pathsOf(child, [...at, key], depth - 1));
  return out.slice(0, 400);
}

function replaceAt(event: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(event) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  Object.defineProperty(node, path[path.length - 1] as string | number, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A real-shaped event with one part replaced by a hostile value: reaches every trigger's code. */
const mutatedFixture = fc
  .nat(FIXTURES.length - 1)
  .chain((i) => {
    const fixture = FIXTURES[i] as (typeof FIXTURES)[number];
    return fc.tuple(fc.constant(fixture.event), fc.constantFrom(...fixture.paths), fc.oneof(fc.jsonValue({ maxDepth: 3 }), carrierLike, fieldValue));
  })
  .map(([event, path, value]) => replaceAt(event, path, value));

const envArbitrary = fc.record({ _X_AMZN_TRACE_ID: xrayLike }, { requiredKeys: [] });

// ---------------------------------------------------------------- properties

describe('any event and any context', () => {
  it('gives a well-formed result for any JSON value as the event and any object as the context', () => {
    fc.assert(
      fc.property(fc.jsonValue(), contextArbitrary, (event, context) => {
        expectWellFormed(inspect(event, context), event);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a well-formed result for any JSON-able value, including null-prototype objects and __proto__ keys', () => {
    const jsonable = fc
      .anything({
        withNullPrototype: true,
        withObjectString: true,
        key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'Records', 'headers', '_baton')),
      })
      .filter((v) => isJsonable(v));
    fc.assert(
      fc.property(jsonable, contextArbitrary, (event, context) => {
        expectWellFormed(inspect(event, context), event);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a well-formed result for real-shaped events with any part replaced, and any X-Ray environment', () => {
    fc.assert(
      fc.property(mutatedFixture, contextArbitrary, envArbitrary, (event, context, env) => {
        expectWellFormed(inspect(event, context, env), event);
      }),
      { numRuns: 300 },
    );
  });
});

describe('arbitrary HTTP headers', () => {
  /**
   * The W3C Trace Context traceparent (section 3.2.2): version 00 is exactly
   * `00-<32 hex>-<16 hex>-<2 hex>`, ids not all zeros, lower-case hex only; a higher version
   * (not ff) may be followed by `-` and further fields. Read as an HTTP field value: visible
   * ASCII, leading and trailing OWS (space, tab) removed (RFC 9110 section 5.5).
   */
  const W3C_TRACEPARENT =
    /^(?:00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}|(?!00|ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(?:-[\x20-\x7e]*)?)$/;
  const isW3CTraceparent = (value: string): boolean => W3C_TRACEPARENT.test(value.replace(/^[ \t]+/, '').replace(/[ \t]+$/, ''));

  const otherHeaders = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 16 }).filter((k) => !PROPAGATION_FIELDS.includes(k.toLowerCase())),
    fc.string(),
    { maxKeys: 8 },
  );

  it('reports a parent only when the traceparent value is valid per the W3C format, whatever the key’s case', () => {
    const base = loadEvent('apigw-http', 'no-context');
    delete base.headers['x-amzn-trace-id'];
    fc.assert(
      fc.property(
        otherHeaders,
        fc.mixedCase(fc.constant('traceparent')),
        fc.tuple(surrounding, traceparentLike, surrounding).map(([a, v, b]) => a + v + b),
        (others, key, value) => {
          const event = { ...base, headers: { ...others, [key]: value } };
          const result = inspect(event);
          expectWellFormed(result, event);
          if (isW3CTraceparent(value)) {
            expect(result.parent).not.toBeNull();
            expect(result.parent?.source).toBe(`apigw-http.headers.${key}`);
            expect(value).toContain(`-${result.parent?.traceId}-${result.parent?.spanId}-`);
          } else {
            expect(result.parent).toBeNull();
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('reports no parent for any non-string traceparent value', () => {
    const base = loadEvent('apigw-http', 'no-context');
    delete base.headers['x-amzn-trace-id'];
    fc.assert(
      fc.property(fc.mixedCase(fc.constant('traceparent')), fc.jsonValue().filter((v) => typeof v !== 'string'), (key, value) => {
        const result = inspect({ ...base, headers: { [key]: value } });
        expect(result.parent).toBeNull();
      }),
      { numRuns: 100 },
    );
  });
});

describe('arbitrary SQS batches', () => {
  const template = loadEvent('sqs', 'w3c-single').Records[0];

  const attributeValue = fc.oneof(
    fc.record(
      {
        stringValue: fc.oneof(traceparentLike, xrayLike, fc.string(), fc.jsonValue({ maxDepth: 1 })),
        dataType: fc.constantFrom('String', 'Binary', 'Number'),
        binaryValue: fc.base64String(),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const messageAttributes = fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fieldName, attributeValue, { maxKeys: 12 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  const snsBody = fc
    .record({ Type: fc.constantFrom('Notification', 'SubscriptionConfirmation'), MessageAttributes: fc.dictionary(fieldName, fc.record({ Type: fc.constantFrom('String', 'Binary'), Value: fieldValue }), { maxKeys: 4 }) })
    .map((b) => JSON.stringify(b));
  const eventBridgeBody = fc
    .record({ 'detail-type': fc.string(), source: fc.string(), detail: fc.oneof(fc.record({ _baton: carrierLike }), fc.jsonValue({ maxDepth: 2 })) })
    .map((b) => JSON.stringify(b));
  const body = fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), snsBody, eventBridgeBody, fc.jsonValue({ maxDepth: 1 }));
  const record = fc.record(
    {
      messageId: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
      body,
      messageAttributes,
      attributes: fc.oneof(fc.record({ AWSTraceHeader: xrayLike, ApproximateReceiveCount: fc.string() }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })),
      eventSource: fc.constantFrom('aws:sqs', 'aws:sqs', 'aws:sns', 'other'),
    },
    { requiredKeys: [] },
  );

  it('never throws and gives one record context per message, each named after its own index', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 15, size: 'max' }), (generated) => {
        const Records = generated.map((r, i) => ({ ...template, ...r, ...(i === 0 ? { eventSource: 'aws:sqs' } : {}) }));
        const event = { Records };
        const result = inspect(event);
        expect(result.trigger).toBe('sqs');
        expectWellFormed(result, event);
        expect(result.records).toHaveLength(Records.length);
        result.records?.forEach((found, i) => {
          if (found !== null) expect(found.source.startsWith(`sqs.Records[${i}].`)).toBe(true);
        });
        expect(result.links).toHaveLength(result.records?.filter((r) => r !== null).length ?? -1);
        if (Records.length > 1) expect(result.parent).toBeNull();
        else expect(result.parent).toEqual(result.records?.[0]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('arbitrary binary payloads', () => {
  const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
  const isStrictBase64 = (s: string): boolean => s.length % 4 === 0 && STRICT_BASE64.test(s);
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  /** X-Ray writes a trace id as `1-<8 hex>-<24 hex>`; B3 may send a 64-bit id, read as 16 zeros and 16 hex. */
  const carriesTraceId = (text: string, traceId: string): boolean =>
    text.replaceAll('-', '').includes(traceId.startsWith('0'.repeat(16)) ? traceId.slice(16) : traceId);

  const binaryText = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string(),
    fc.base64String(),
    traceparentLike.map(b64),
    fc.string().map((s) => b64(VALID_TRACEPARENT) + s),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  );

  it('never throws on any string as an SNS Binary attribute value, and finds a context only in valid base64', () => {
    const base = loadEvent('sns', 'w3c');
    fc.assert(
      fc.property(fc.mixedCase(fc.constant('traceparent')), binaryText, (key, value) => {
        const event = structuredClone(base);
        event.Records[0].Sns.MessageAttributes = { [key]: { Type: 'Binary', Value: value } };
        const result = inspect(event);
        expectWellFormed(result, event);
        expect(result.records).toHaveLength(1);
        const found = result.records?.[0];
        if (found !== null && found !== undefined) {
          expect(isStrictBase64(value)).toBe(true);
          expect(carriesTraceId(Buffer.from(value, 'base64').toString('utf8'), found.traceId)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds the context in any SNS Binary attribute that is base64 of a valid traceparent', () => {
    const base = loadEvent('sns', 'w3c');
    fc.assert(
      fc.property(hex(32), hex(16), (traceId, spanId) => {
        fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
        const event = structuredClone(base);
        event.Records[0].Sns.MessageAttributes = { traceparent: { Type: 'Binary', Value: b64(`00-${traceId}-${spanId}-01`) } };
        expect(inspect(event).records?.[0]).toMatchObject({ traceId, spanId });
      }),
      { numRuns: 50 },
    );
  });

  it('never throws on any string as Kinesis data, and finds a context only in base64 JSON', () => {
    const base = loadEvent('kinesis', 'w3c');
    const envelopeJson = fc
      .record({ _baton: carrierLike, orderId: fc.string() }, { requiredKeys: ['_baton'] })
      .map((payload) => b64(JSON.stringify(payload)));
    // Base64 of a real envelope, made invalid: a lenient decoder would still find the context.
    const brokenEnvelope = fc
      .tuple(fc.constant(b64(JSON.stringify({ _baton: { traceparent: VALID_TRACEPARENT } }))), fc.nat(60), fc.constantFrom('!', '=', ' ', '-', '_', '\n'))
      .map(([data, at, bad]) => data.slice(0, at) + bad + data.slice(at));
    fc.assert(
      fc.property(fc.oneof(binaryText, envelopeJson, brokenEnvelope, fc.jsonValue().map((v) => b64(JSON.stringify(v)))), (data) => {
        const event = structuredClone(base);
        event.Records = [event.Records[0]];
        event.Records[0].kinesis.data = data;
        const result = inspect(event);
        expectWellFormed(result, event);
        expect(result.records).toHaveLength(1);
        const found = result.records?.[0];
        if (found !== null && found !== undefined) {
          expect(isStrictBase64(data)).toBe(true);
          const decoded = Buffer.from(data, 'base64').toString('utf8');
          expect(() => JSON.parse(decoded)).not.toThrow();
          expect(carriesTraceId(decoded, found.traceId)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
