import { ROOT_CONTEXT, TraceFlags, createTraceState, trace } from '@opentelemetry/api';
import type { Context, SpanContext, TextMapGetter } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { inspectEvent } from '../../src/inspect.js';
import type { InspectResult } from '../../src/inspect.js';
import {
  DatadogPropagator,
  datadogCarrierJson,
  datadogMessageAttribute,
  decimalToHex16,
  hex16ToDecimal,
  splitDatadogFields,
} from '../../src/propagation/datadog.js';
import { stringGetter } from '../../src/propagation/getters.js';
import { resolveConfig } from '../../src/config.js';
import { createPropagation } from '../../src/propagation/propagators.js';
import type { PropagatorName } from '../../src/propagation/propagators.js';
import { loadEvent } from '../support/fixtures.js';
import { useDiagnostics } from '../support/diagnostics.js';

/*
 * Datadog's propagation (dd-trace-js packages/dd-trace/src/opentracing/propagation/text_map.js):
 * decimal 64-bit ids, the upper half of a 128-bit trace id in `_dd.p.tid`, a sampling priority.
 * Expected ids are worked out here with BigInt from the decimal text, never taken from the code.
 */

const hexOf = (decimal: string | bigint | number): string => BigInt(decimal).toString(16).padStart(16, '0');
const decOf = (hex: string): string => BigInt(`0x${hex}`).toString();
const UINT64_MAX = (1n << 64n) - 1n;

const diagnostics = useDiagnostics();

/** Inspect, and fail if extraction only survived through its catch-all. */
function inspect(event: unknown, options: { propagators?: PropagatorName[] } = {}, context: object = {}): InspectResult {
  const result = inspectEvent(event, context, {}, options);
  expect(diagnostics.filter((line) => line.includes('could not read the trace context'))).toEqual([]);
  return result;
}

/** An HTTP API event whose only context is `headers`. */
function httpEvent(headers: Record<string, unknown>): any {
  const event = loadEvent('apigw-http', 'no-context');
  event.headers = { host: event.headers.host, ...headers };
  return event;
}

const ddHeaders = (trace: string, parent: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'x-datadog-trace-id': trace,
  'x-datadog-parent-id': parent,
  ...extra,
});

const extractDatadog = (carrier: Record<string, unknown>): SpanContext | undefined =>
  trace.getSpanContext(new DatadogPropagator().extract(ROOT_CONTEXT, carrier, stringGetter));

function injected(ctx: Context, names: PropagatorName[] | undefined = ['tracecontext', 'baggage', 'datadog'], configured = true): Record<string, string> {
  const carrier: Record<string, string> = {};
  createPropagation(configured ? names : undefined).injector.inject(ctx, carrier, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
  return carrier;
}

const withSpan = (spanContext: SpanContext): Context => trace.setSpanContext(ROOT_CONTEXT, spanContext);

describe('reading Datadog ids', () => {
  it('converts the decimal trace and parent ids exactly, 64-bit trace ids with an upper half of zeros', () => {
    const found = inspect(httpEvent(ddHeaders('1234567890123456789', '987654321987654321'))).parent;
    expect(found).toMatchObject({
      traceId: `${'0'.repeat(16)}${hexOf('1234567890123456789')}`,
      spanId: hexOf('987654321987654321'),
      sampled: true,
      source: 'apigw-http.headers.x-datadog-trace-id',
    });
  });

  it('reads the upper 64 bits of a 128-bit trace id from _dd.p.tid among other tags', () => {
    const tags = '_dd.p.dm=-0,_dd.p.tid=6740b5e000000000,_dd.p.usr.id=42';
    const found = inspect(httpEvent(ddHeaders('42', '7', { 'x-datadog-tags': tags }))).parent;
    expect(found?.traceId).toBe(`6740b5e000000000${hexOf(42)}`);
  });

  it('reads an upper-case tid as the same id, in lower case', () => {
    expect(extractDatadog(ddHeaders('42', '7', { 'x-datadog-tags': '_dd.p.tid=6740B5E0ABCDEF00' }))?.traceId).toBe(
      `6740b5e0abcdef00${hexOf(42)}`,
    );
  });

  it.each([
    ['not hex', '_dd.p.tid=6740b5e0zz000000'],
    ['15 digits', '_dd.p.tid=6740b5e00000000'],
    ['17 digits', '_dd.p.tid=6740b5e0000000000'],
    ['empty', '_dd.p.tid='],
    ['another tag malformed (Datadog drops the whole header)', '_dd.p.tid=6740b5e000000000,bad key=1'],
    ['a tag that is not _dd.p.*', 'x=1,_dd.p.tid=6740b5e000000000'],
    ['over 512 characters', `_dd.p.tid=6740b5e000000000,_dd.p.pad=${'a'.repeat(500)}`],
  ])('keeps the upper half zero when the tid is malformed: %s', (_case, tags) => {
    expect(extractDatadog(ddHeaders('42', '7', { 'x-datadog-tags': tags }))?.traceId).toBe(`${'0'.repeat(16)}${hexOf(42)}`);
  });

  it('accepts the largest unsigned 64-bit ids', () => {
    const max = UINT64_MAX.toString();
    expect(extractDatadog(ddHeaders(max, max))).toMatchObject({ traceId: `${'0'.repeat(16)}${'f'.repeat(16)}`, spanId: 'f'.repeat(16) });
  });

  it.each([
    ['a zero trace id', '0', '7'],
    ['a zero trace id in many digits', '00000000000000000000', '7'],
    ['a zero parent id', '42', '0'],
    ['a trace id of 2^64', (UINT64_MAX + 1n).toString(), '7'],
    ['a parent id of 2^64', '42', (UINT64_MAX + 1n).toString()],
    ['a 21-digit id', '100000000000000000000', '7'],
    ['a negative id', '-42', '7'],
    ['a signed id', '+42', '7'],
    ['a hex id', '0x2a', '7'],
    ['an exponent', '4e2', '7'],
    ['a fraction', '42.0', '7'],
    ['letters', 'abc', '7'],
    ['an empty id', '', '7'],
    ['inner spaces', '4 2', '7'],
  ])('finds no context in %s', (_case, traceId, parentId) => {
    expect(extractDatadog(ddHeaders(traceId, parentId))).toBeUndefined();
    expect(inspect(httpEvent(ddHeaders(traceId, parentId))).parent).toBeNull();
  });

  it('finds no context without a parent id', () => {
    expect(extractDatadog({ 'x-datadog-trace-id': '42' })).toBeUndefined();
  });

  it('trims spaces and tabs around an id, as HTTP does', () => {
    expect(extractDatadog(ddHeaders(' 42\t', '7 '))?.spanId).toBe(hexOf(7));
  });

  it.each([
    ['-1', false],
    ['0', false],
    ['1', true],
    ['2', true],
  ])('reads sampling priority %s as sampled=%s', (priority, sampled) => {
    const found = extractDatadog(ddHeaders('42', '7', { 'x-datadog-sampling-priority': priority }));
    expect(found?.traceFlags === TraceFlags.SAMPLED).toBe(sampled);
  });

  it.each([[undefined], ['keep'], ['1.5'], ['']])('leaves the decision to us (sampled) when the priority is %s', (priority) => {
    const headers = ddHeaders('42', '7', priority === undefined ? {} : { 'x-datadog-sampling-priority': priority });
    expect(extractDatadog(headers)?.traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it('reads the last of repeated id headers, as Datadog does', () => {
    const event = loadEvent('apigw-rest', 'no-context');
    event.headers = {};
    event.multiValueHeaders = { 'X-Datadog-Trace-Id': ['1', '42'], 'X-Datadog-Parent-Id': ['7'] };
    expect(inspect(event).parent?.traceId).toBe(`${'0'.repeat(16)}${hexOf(42)}`);
  });
});

describe('precedence', () => {
  const W3C = { traceId: '0f010003000100000000000000000001', spanId: '0f01000300010001' };
  const both = (): any =>
    httpEvent({
      ...ddHeaders('42', '7'),
      traceparent: `00-${W3C.traceId}-${W3C.spanId}-01`,
    });

  it('reads W3C first when a carrier has both and nothing is configured', () => {
    expect(inspect(both()).parent).toMatchObject({ ...W3C, source: 'apigw-http.headers.traceparent' });
  });

  it('reads Datadog first when it is named first', () => {
    expect(inspect(both(), { propagators: ['datadog', 'tracecontext', 'baggage'] }).parent).toMatchObject({
      traceId: `${'0'.repeat(16)}${hexOf(42)}`,
      source: 'apigw-http.headers.x-datadog-trace-id',
    });
    expect(resolveConfig({}, { OTEL_PROPAGATORS: 'datadog,tracecontext' }).propagators).toEqual(['datadog', 'tracecontext']);
  });

  it('reads Datadog by default after B3 and X-Ray', () => {
    const event = httpEvent({
      ...ddHeaders('42', '7'),
      'x-amzn-trace-id': 'Root=1-0f01a7a7-000100000000000000000001;Parent=0f01a7a700010001;Sampled=1',
    });
    expect(inspect(event).parent?.source).toBe('apigw-http.headers.x-amzn-trace-id');
  });

  it('does not read Datadog when the configured propagators leave it out', () => {
    expect(inspect(httpEvent(ddHeaders('42', '7')), { propagators: ['tracecontext', 'baggage'] }).parent).toBeNull();
  });

  it("keeps the carrier's tracestate, dd= member included, when Datadog wins for the same trace", () => {
    const traceId = `${'0'.repeat(16)}${hexOf(42)}`;
    const tracestate = 'dd=s:2;p:0000000000000009;t.dm:-4,rojo=00f067aa0ba902b7';
    const event = httpEvent({ ...ddHeaders('42', '7'), traceparent: `00-${traceId}-0000000000000009-01`, tracestate });
    expect(inspect(event, { propagators: ['datadog', 'tracecontext'] }).parent).toMatchObject({ spanId: hexOf(7), tracestate });
  });

  it("drops the carrier's tracestate when Datadog wins and the traceparent names another trace", () => {
    const event = httpEvent({
      ...ddHeaders('42', '7'),
      traceparent: `00-${'0'.repeat(16)}${hexOf(43)}-0000000000000009-01`,
      tracestate: 'rojo=00f067aa0ba902b7',
    });
    expect(inspect(event, { propagators: ['datadog', 'tracecontext'] }).parent?.tracestate).toBeUndefined();
  });
});

describe('writing Datadog ids', () => {
  const span = (traceId: string, spanId: string, sampled = true): SpanContext => ({
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });

  it('writes nothing of Datadog when nothing is configured', () => {
    const fields = injected(withSpan(span('6740b5e0000000000000000000000001', '0000000000000002')), undefined, false);
    expect(fields['traceparent']).toBeDefined();
    expect(Object.keys(fields).some((k) => k.startsWith('x-datadog-'))).toBe(false);
    const defaults = createPropagation(undefined).injectFields;
    expect(defaults.some((k) => k.startsWith('x-datadog-'))).toBe(false);
  });

  it('writes the lower half in decimal, the span id in decimal and the upper half as _dd.p.tid beside W3C', () => {
    const fields = injected(withSpan(span('6740b5e000000000ffffffffffffffff', '8000000000000000')));
    expect(fields).toMatchObject({
      traceparent: '00-6740b5e000000000ffffffffffffffff-8000000000000000-01',
      'x-datadog-trace-id': UINT64_MAX.toString(),
      'x-datadog-parent-id': (1n << 63n).toString(),
      'x-datadog-sampling-priority': '1',
      'x-datadog-tags': '_dd.p.tid=6740b5e000000000',
    });
  });

  it('writes no tags for a 64-bit trace id, and priority 0 for a trace we do not sample', () => {
    const fields = injected(withSpan(span('0000000000000000000000000000002a', '0000000000000007', false)));
    expect(fields['x-datadog-trace-id']).toBe('42');
    expect(fields['x-datadog-parent-id']).toBe('7');
    expect(fields['x-datadog-sampling-priority']).toBe('0');
    expect(fields['x-datadog-tags']).toBeUndefined();
  });

  it('writes no Datadog fields for a trace whose lower half is zero, which Datadog cannot carry', () => {
    const fields = injected(withSpan(span('6740b5e0000000000000000000000000', '0000000000000007')));
    expect(fields['traceparent']).toBeDefined();
    expect(Object.keys(fields).some((k) => k.startsWith('x-datadog-'))).toBe(false);
  });

  it("hands a Datadog caller's priority, origin and tags back on the same trace", () => {
    const headers = ddHeaders('42', '7', {
      'x-datadog-sampling-priority': '2',
      'x-datadog-origin': 'synthetics',
      'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=6740b5e000000000',
    });
    const parent = new DatadogPropagator().extract(ROOT_CONTEXT, headers, stringGetter);
    const traceId = trace.getSpanContext(parent)!.traceId;
    // Our span: a child on the same trace, in a context made from the caller's.
    const ours = trace.setSpanContext(parent, span(traceId, '00000000000000ff'));
    expect(injected(ours, ['datadog'])).toEqual({
      'x-datadog-trace-id': '42',
      'x-datadog-parent-id': '255',
      'x-datadog-sampling-priority': '2',
      'x-datadog-origin': 'synthetics',
      'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=6740b5e000000000',
    });
  });

  it("keeps a caller's user reject (-1) while we do not sample either", () => {
    const parent = new DatadogPropagator().extract(ROOT_CONTEXT, ddHeaders('42', '7', { 'x-datadog-sampling-priority': '-1' }), stringGetter);
    const ours = trace.setSpanContext(parent, span(trace.getSpanContext(parent)!.traceId, '00000000000000ff', false));
    expect(injected(ours, ['datadog'])['x-datadog-sampling-priority']).toBe('-1');
  });

  it("does not hand a caller's state to another trace started in its context", () => {
    const headers = ddHeaders('42', '7', { 'x-datadog-sampling-priority': '2', 'x-datadog-origin': 'synthetics', 'x-datadog-tags': '_dd.p.dm=-4' });
    const parent = new DatadogPropagator().extract(ROOT_CONTEXT, headers, stringGetter);
    const other = trace.setSpanContext(parent, span('0000000000000000000000000000002b', '00000000000000ff'));
    expect(injected(other, ['datadog'])).toEqual({
      'x-datadog-trace-id': '43',
      'x-datadog-parent-id': '255',
      'x-datadog-sampling-priority': '1',
    });
  });

  it('writes nothing for an invalid span context', () => {
    expect(injected(withSpan(span('0'.repeat(32), '0'.repeat(16))), ['datadog'])).toEqual({});
    expect(injected(ROOT_CONTEXT, ['datadog'])).toEqual({});
  });

  it('keeps the dd= tracestate member as it came when writing W3C', () => {
    const traceState = createTraceState('dd=s:1;p:0000000000000007;t.dm:-0,rojo=00f067aa0ba902b7');
    const fields = injected(withSpan({ ...span('0000000000000000000000000000002a', '00000000000000ff'), traceState }));
    expect(fields['tracestate']).toBe('dd=s:1;p:0000000000000007;t.dm:-0,rojo=00f067aa0ba902b7');
  });
});

describe('the _datadog message attribute for producers', () => {
  const ctx = withSpan({ traceId: '6740b5e000000000000000000000002a', spanId: '0000000000000007', traceFlags: TraceFlags.SAMPLED });

  it("splits what the injector wrote into Datadog's fields and the others", () => {
    const { datadog, rest } = splitDatadogFields(injected(ctx));
    expect(datadog).toEqual({
      'x-datadog-trace-id': '42',
      'x-datadog-parent-id': '7',
      'x-datadog-sampling-priority': '1',
      'x-datadog-tags': '_dd.p.tid=6740b5e000000000',
    });
    expect(rest).toEqual({ traceparent: '00-6740b5e000000000000000000000002a-0000000000000007-01' });
  });

  it('gives no _datadog and the same fields when Datadog is not configured', () => {
    const fields = injected(ctx, ['tracecontext', 'baggage']);
    const { datadog, rest } = splitDatadogFields(fields);
    expect(datadog).toBeUndefined();
    expect(rest).toBe(fields);
  });

  it('gives SQS a String _datadog attribute and SNS a Binary one, which our consumers read back', () => {
    const sqs = datadogMessageAttribute(injected(ctx), 'String');
    const sns = datadogMessageAttribute(injected(ctx), 'Binary');
    expect(sqs.rest).toEqual({ traceparent: '00-6740b5e000000000000000000000002a-0000000000000007-01' });
    expect(sqs.attribute).toMatchObject({ name: '_datadog', dataType: 'String' });
    expect(sns.attribute).toMatchObject({ name: '_datadog', dataType: 'Binary' });
    expect(sns.attribute?.value).toBeInstanceOf(Uint8Array);
    // As Lambda delivers them: SQS stringValue as sent, SNS Binary Value base64-encoded.
    const fromSqs = inspect(sqsEvent({ _datadog: { stringValue: sqs.attribute?.value, dataType: 'String' } })).parent;
    const fromSns = inspect(snsEvent({ _datadog: { Type: 'Binary', Value: Buffer.from(sns.attribute!.value).toString('base64') } })).parent;
    for (const found of [fromSqs, fromSns]) expect(found).toMatchObject({ traceId: '6740b5e000000000000000000000002a', spanId: '0000000000000007' });
    expect(datadogMessageAttribute(injected(ctx, ['tracecontext']), 'Binary').attribute).toBeUndefined();
  });

  it('writes the carrier JSON straight from a context', () => {
    expect(JSON.parse(datadogCarrierJson(ctx)!)).toMatchObject({ 'x-datadog-trace-id': '42', 'x-datadog-parent-id': '7' });
    expect(datadogCarrierJson(ROOT_CONTEXT)).toBeUndefined();
  });
});

// ---------------------------------------------------------------- round trips

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
/** Any span context Datadog can carry: valid W3C ids, a trace id whose lower half is not zero. */
const carriedSpan = fc
  .record({ upper: hex(16), lower: hex(16), spanId: hex(16), sampled: fc.boolean() })
  .filter(({ lower, spanId }) => !/^0+$/.test(lower) && !/^0+$/.test(spanId))
  .map(({ upper, lower, spanId, sampled }) => ({
    traceId: upper + lower,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  }));

/** An SQS event of one record whose only context is `messageAttributes`. */
function sqsEvent(messageAttributes: Record<string, unknown>): any {
  const event = loadEvent('sqs', 'no-context');
  event.Records[0].messageAttributes = messageAttributes;
  delete event.Records[0].attributes.AWSTraceHeader;
  return event;
}

/** An SNS event of one record whose only context is `MessageAttributes`. */
function snsEvent(attributes: Record<string, unknown>): any {
  const event = loadEvent('sns', 'no-context');
  event.Records[0].Sns.MessageAttributes = attributes;
  return event;
}

describe('round trips: written with datadog named, read back by our extraction', () => {
  it('gives the same ids over any 128-bit trace id and span id, in headers', () => {
    fc.assert(
      fc.property(carriedSpan, (spanContext) => {
        const fields = injected(withSpan(spanContext), ['datadog']);
        // An oracle independent of the code: BigInt over the hex halves.
        expect(fields['x-datadog-trace-id']).toBe(decOf(spanContext.traceId.slice(16)));
        expect(fields['x-datadog-parent-id']).toBe(decOf(spanContext.spanId));
        const found = inspect(httpEvent(fields), { propagators: ['datadog'] }).parent;
        expect(found).toMatchObject({
          traceId: spanContext.traceId,
          spanId: spanContext.spanId,
          sampled: spanContext.traceFlags === TraceFlags.SAMPLED,
          source: 'apigw-http.headers.x-datadog-trace-id',
        });
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same ids through an SQS String _datadog attribute and an SNS Binary one', () => {
    fc.assert(
      fc.property(carriedSpan, (spanContext) => {
        const datadog = JSON.stringify(splitDatadogFields(injected(withSpan(spanContext))).datadog);
        const sqs = inspect(sqsEvent({ _datadog: { stringValue: datadog, stringListValues: [], binaryListValues: [], dataType: 'String' } }));
        expect(sqs.parent).toMatchObject({
          traceId: spanContext.traceId,
          spanId: spanContext.spanId,
          source: 'sqs.Records[0].messageAttributes._datadog.x-datadog-trace-id',
        });
        const sns = inspect(snsEvent({ _datadog: { Type: 'Binary', Value: Buffer.from(datadog).toString('base64') } }));
        expect(sns.parent).toMatchObject({
          traceId: spanContext.traceId,
          spanId: spanContext.spanId,
          source: 'sns.Records[0].Sns.MessageAttributes._datadog.x-datadog-trace-id',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('converts decimal to hex and back exactly over any unsigned 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: UINT64_MAX }), (value) => {
        const text = value.toString();
        expect(decimalToHex16(text)).toBe(hexOf(value));
        expect(hex16ToDecimal(hexOf(value))).toBe(text);
      }),
    );
    expect(decimalToHex16((UINT64_MAX + 1n).toString())).toBeUndefined();
  });
});

// ---------------------------------------------------------------- hostile input

const DATADOG_FIELDS = ['x-datadog-trace-id', 'x-datadog-parent-id', 'x-datadog-sampling-priority', 'x-datadog-tags', 'x-datadog-origin'];
const fieldValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.bigInt({ min: -1n, max: 1n << 65n }).map(String),
  fc.constantFrom('_dd.p.tid=6740b5e000000000', '_dd.p.tid=', '_dd.p.tid=6740b5e000000000,_dd.p.dm=-0', '=,', ',,,'),
);
const datadogHeaders = fc.dictionary(fc.constantFrom(...DATADOG_FIELDS, 'traceparent', 'tracestate'), fieldValue);

function expectWellFormed(result: InspectResult): void {
  const found = result.parent;
  if (found === null) return;
  expect(found.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(found.traceId.slice(16)).not.toBe('0'.repeat(16));
  expect(found.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(found.spanId).not.toBe('0'.repeat(16));
}

describe('hostile input', () => {
  it('never throws on any string in the Datadog headers, and finds only valid contexts', () => {
    fc.assert(
      fc.property(datadogHeaders, fc.constantFrom<PropagatorName[]>(['datadog'], ['tracecontext', 'datadog']), (headers, propagators) => {
        expectWellFormed(inspect(httpEvent(headers), { propagators }));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on any value in multi-value Datadog headers', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...DATADOG_FIELDS), fc.array(fieldValue, { maxLength: 3 })), (multi) => {
        const event = loadEvent('apigw-rest', 'no-context');
        event.headers = {};
        event.multiValueHeaders = multi;
        expectWellFormed(inspect(event));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on any _datadog attribute, String or Binary, text or JSON', () => {
    const json = datadogHeaders.map((h) => JSON.stringify(h));
    const text = fc.oneof(fc.string(), json, json.map((j) => Buffer.from(j).toString('base64')), fc.base64String());
    fc.assert(
      fc.property(text, fc.anything(), (value, other) => {
        expectWellFormed(inspect(sqsEvent({ _datadog: { stringValue: value, binaryValue: value, dataType: 'Binary' } })));
        expectWellFormed(inspect(sqsEvent({ _datadog: { binaryValue: value, dataType: 'Binary' } })));
        expectWellFormed(inspect(sqsEvent({ _datadog: other })));
        expectWellFormed(inspect(snsEvent({ _datadog: { Type: 'Binary', Value: value } })));
        expectWellFormed(inspect(snsEvent({ _datadog: { Type: 'String', Value: value } })));
        expectWellFormed(inspect(snsEvent({ _datadog: other })));
      }),
      { numRuns: 150 },
    );
  });

  it("never throws on any authorizer context, and never uses a cached authorizer's", () => {
    const fresh = Buffer.from(JSON.stringify(ddHeaders('42', '7'))).toString('base64');
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (raw, latency) => {
        const event = loadEvent('apigw-rest', 'no-context');
        event.requestContext.authorizer = { _datadog: raw, integrationLatency: latency };
        expectWellFormed(inspect(event));
        event.requestContext.authorizer = { _datadog: fresh, integrationLatency: typeof latency === 'number' && latency > 0 ? 0 : latency };
        expect(inspect(event).parent).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it('reads a _datadog value only from an own property', () => {
    const event = sqsEvent({});
    const attributes = Object.create({ _datadog: { stringValue: JSON.stringify(ddHeaders('42', '7')) } });
    attributes.other = { stringValue: 'x', dataType: 'String' };
    event.Records[0].messageAttributes = attributes;
    expect(inspect(event).parent).toBeNull();
  });

  it('ignores a _datadog attribute of 1 MB', () => {
    const huge = JSON.stringify({ ...ddHeaders('42', '7'), pad: 'a'.repeat(1024 * 1024) });
    expect(inspect(sqsEvent({ _datadog: { stringValue: huge, dataType: 'String' } })).parent).toBeNull();
  });
});

describe('the getter contract', () => {
  it('asks only for lower-case field names, which every carrier matches in any case', () => {
    const asked: string[] = [];
    const getter: TextMapGetter = { keys: () => [], get: (_c, key) => (asked.push(key), undefined) };
    new DatadogPropagator().extract(ROOT_CONTEXT, {}, getter);
    expect(asked.every((k) => k === k.toLowerCase())).toBe(true);
    expect(new DatadogPropagator().fields()).toContain('x-datadog-trace-id');
  });
});
