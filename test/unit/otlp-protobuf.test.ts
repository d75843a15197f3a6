import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import type { HrTime, SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeTraceRequest } from '../../src/tracer/otlp-protobuf.js';

/** What OpenTelemetry's own serializer writes for the same spans. */
const otel = (spans: ReadableSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
const ours = (spans: ReadableSpan[]): Buffer => Buffer.from(encodeTraceRequest(spans));

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ minLength: 120, maxLength: 20_000 }));
const integer = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -1, 2 ** 32, 2 ** 40, -(2 ** 40), 2 ** 63, -(2 ** 63), 2 ** 64));
const scalar = fc.oneof(text, fc.boolean(), integer, fc.double());
/** Span attributes, and the values beyond them OTLP's AnyValue holds (bytes, maps, nothing). */
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 4 }), fc.uint8Array({ maxLength: 40 }), fc.constantFrom(null, undefined), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 })),
})).value;
const attributes = fc.dictionary(fc.string({ maxLength: 30 }), anyValue, { maxKeys: 8 });
const seconds = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(1_764_633_600, 4_102_444_800));
const hrTime = fc.tuple(seconds, fc.integer({ min: 0, max: 999_999_999 })) as fc.Arbitrary<HrTime>;
const traceState = fc.option(fc.constantFrom('', 'dd=s:1;p:00f067aa0ba902b7', 'a=1,b=2'), { nil: undefined });
const spanContext = fc.record({ traceId: hex(16), spanId: hex(8), traceFlags: fc.integer({ min: 0, max: 255 }), isRemote: fc.option(fc.boolean(), { nil: undefined }), state: traceState }).map(
  ({ state, ...rest }): SpanContext => ({ ...rest, ...(state === undefined ? {} : { traceState: new TraceState(state) }) }),
);

const resources = [resourceFromAttributes({ 'service.name': 'one', 'faas.max_memory': 1024 }), resourceFromAttributes({})];
const scopes = [{ name: 'lambda-baton' }, { name: 'user', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.38.0' }, { name: '' }];

const span = fc
  .record({
    context: spanContext,
    parent: fc.option(spanContext, { nil: undefined }),
    name: text,
    kind: fc.option(fc.constantFrom(...Object.values(SpanKind).filter((k): k is SpanKind => typeof k === 'number')), { nil: undefined }),
    start: hrTime,
    end: hrTime,
    attributes: fc.option(attributes, { nil: undefined }),
    dropped: fc.nat(200),
    events: fc.array(fc.record({ time: hrTime, name: text, attributes: fc.option(attributes, { nil: undefined }), droppedAttributesCount: fc.option(fc.nat(9), { nil: undefined }) }), { maxLength: 3 }),
    links: fc.array(fc.record({ context: spanContext, attributes: fc.option(attributes, { nil: undefined }), droppedAttributesCount: fc.option(fc.nat(9), { nil: undefined }) }), { maxLength: 3 }),
    status: fc.record({ code: fc.constantFrom(SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR), message: fc.option(text, { nil: undefined }) }),
    resource: fc.constantFrom(...resources),
    scope: fc.constantFrom(...scopes),
  })
  .map(
    (s) =>
      ({
        name: s.name,
        kind: s.kind,
        spanContext: () => s.context,
        parentSpanContext: s.parent,
        startTime: s.start,
        endTime: s.end,
        status: s.status,
        attributes: s.attributes,
        links: s.links,
        events: s.events,
        duration: [0, 0],
        ended: true,
        resource: s.resource,
        instrumentationScope: s.scope,
        droppedAttributesCount: s.dropped,
        droppedEventsCount: 0,
        droppedLinksCount: 1,
      }) as unknown as ReadableSpan,
  );

describe('the OTLP/protobuf request', () => {
  it('is byte for byte what OpenTelemetry writes, for any spans of any resources and scopes', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 6 }), (spans) => {
        expect(ours(spans).equals(otel(spans))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('is byte for byte what OpenTelemetry writes for spans its SDK recorded', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout', 'cloud.region': 'eu-west-1' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('lambda-baton', '0.1.0');
    const remote = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('rojo=00f067aa0ba902b7') };
    const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'faas.coldstart': true }, links: [{ context: remote, attributes: { 'messaging.message.id': 'm-1' } }] }, trace.setSpanContext(context.active(), remote));
    root.addEvent('exception', { 'exception.message': 'ünïcödé ✓', 'exception.type': 'Error' });
    const child = provider.getTracer('user').startSpan('db', { kind: SpanKind.CLIENT, attributes: { 'db.rows': -3, 'db.ratio': 0.25, 'db.tags': ['a', 'b'] } }, trace.setSpan(context.active(), root));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    root.end();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(ours(spans).toString('hex')).toBe(otel(spans).toString('hex'));
  });

  it('writes an empty request for no spans', () => {
    expect(ours([]).length).toBe(0);
  });

  it('grows past its first buffer and writes lengths of several bytes', () => {
    const long = 'x'.repeat(70_000);
    const spans = fc.sample(span, { numRuns: 3, seed: 7 }).map((s) => ({ ...s, attributes: { long, nested: { deeper: { long } } } }) as unknown as ReadableSpan);
    const written = ours(spans);
    expect(written.length).toBeGreaterThan(6 * 70_000);
    expect(written.equals(otel(spans))).toBe(true);
  });
});
