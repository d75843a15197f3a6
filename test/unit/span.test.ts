/**
 * Our tracer and span (src/tracer/tracer.ts, src/tracer/span.ts) against the SDK's
 * (@opentelemetry/sdk-trace): the same operations on both must export the same spans and
 * report the same diagnostics. Only the ids (random on each side) and the random trace-id flag
 * (ours sets it, test/integration/trace-context-level2.test.ts) are set aside.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { context, diag, DiagLogLevel, ROOT_CONTEXT, SamplingDecision, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context, DiagLogger, Exception, HrTime, Link, Span, SpanContext, SpanOptions, TimeInput, Tracer, TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { BatonTracerProvider, RANDOM_TRACE_ID_FLAG } from '../../src/tracer/tracer.js';
import { SPAN_LIMITS } from '../../src/tracer/span.js';

const resource = resourceFromAttributes({ 'service.name': 'orders', 'cloud.region': 'eu-west-1' });

/** A sampler that adds attributes and a trace state, and records without sampling some spans. */
const recordingSampler: Sampler = {
  shouldSample: (_context, _traceId, name) => ({
    decision: name.startsWith('r') ? SamplingDecision.RECORD : name.startsWith('x') ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED,
    attributes: { 'sampler.said': name.length },
    traceState: new TraceState('sampler=1'),
  }),
  toString: () => 'recordingSampler',
};
const SAMPLERS: Record<string, Sampler> = {
  parentbased_always_on: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  always_off: new AlwaysOffSampler(),
  recording: recordingSampler,
};

/** Every span that ends, sampled or only recorded (an exporter would see only the sampled). */
class Ended implements SpanProcessor {
  private spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  getFinishedSpans(): ReadableSpan[] {
    return this.spans;
  }
  reset(): void {
    this.spans = [];
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Side {
  readonly provider: ApiTracerProvider & { forceFlush(): Promise<void> };
  readonly exporter: Ended;
}

function sides(sampler: Sampler): { sdk: Side; ours: Side } {
  const sdkEnded = new Ended();
  const oursEnded = new Ended();
  return {
    sdk: { provider: new TracerProvider({ resource, sampler, spanProcessors: [sdkEnded] }), exporter: sdkEnded },
    ours: { provider: new BatonTracerProvider({ resource, sampler, processor: oursEnded }), exporter: oursEnded },
  };
}

/** Every diagnostic either side reports while `work` runs, by level and message. */
function diagnostics(work: () => void): string[] {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger: DiagLogger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('verbose') };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  try {
    work();
  } finally {
    diag.disable();
  }
  // Less the API's own lines about registering the logger.
  return lines.filter((line) => !line.includes('@opentelemetry/api: '));
}

// ----- what a test may do to a span -----

const key = fc.oneof(fc.constantFrom('', 'a', 'b', 'http.route', 'faas.trigger'), fc.string({ maxLength: 6 }));
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.boolean(), fc.integer(), fc.double());
/** Valid attribute values and the invalid ones user code passes anyway. */
const value = fc.oneof(
  scalar,
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.array(scalar, { maxLength: 3 }),
  fc.constantFrom<unknown>(undefined, null, {}, { nested: { deeper: 1 } }, new Uint8Array([1, 2]), () => 1, Symbol('s'), 10n, new Date(0)),
) as fc.Arbitrary<AttributeValue>;
const attributes = fc.dictionary(key, value, { maxKeys: 5 }) as fc.Arbitrary<Attributes>;
const epochMs = fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 });
/** Times the SDK reads to the same value on both sides: epoch ms, Dates, HrTime. */
const exactTime: fc.Arbitrary<TimeInput> = fc.oneof(
  epochMs,
  epochMs.map((ms) => new Date(ms)),
  fc.tuple(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), fc.integer({ min: 0, max: 999_999_999 })) as fc.Arbitrary<HrTime>,
);
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const linkContext = fc.record({ traceId: hex(16), spanId: hex(8), traceFlags: fc.constantFrom(0, 1, 3), isRemote: fc.boolean() }) as fc.Arbitrary<SpanContext>;
const link = fc.record({ context: linkContext, attributes: fc.option(attributes, { nil: undefined }) }) as fc.Arbitrary<Link>;
// Plain objects: given one without a prototype that it cannot record, the SDK's span throws
// into the caller (tested below, where ours does not).
const exception = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constant(new TypeError('bad input')),
  fc.record({ code: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.string({ minLength: 1, maxLength: 4 })), message: fc.string({ maxLength: 6 }) }).map((e) => ({ ...e })),
  fc.record({ name: fc.string({ maxLength: 6 }) }).map((e) => ({ ...e })),
  fc.constant({}),
) as fc.Arbitrary<Exception>;

type Op =
  | { op: 'setAttribute'; key: string; value: AttributeValue }
  | { op: 'setAttributes'; attributes: Attributes }
  | { op: 'many'; count: number }
  | { op: 'addEvent'; name: string; second?: Attributes | TimeInput; third?: TimeInput }
  | { op: 'manyEvents'; count: number; time?: TimeInput }
  | { op: 'addLink'; link: Link }
  | { op: 'manyLinks'; count: number }
  | { op: 'setStatus'; code: SpanStatusCode; message?: unknown }
  | { op: 'updateName'; name: string }
  | { op: 'recordException'; exception: Exception; time?: TimeInput }
  | { op: 'end'; time?: TimeInput };

/** Operations; `time` gives each its time (always one, or sometimes none). */
function ops(time: fc.Arbitrary<TimeInput | undefined>): fc.Arbitrary<Op[]> {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('setAttribute' as const), key, value }),
    fc.record({ op: fc.constant('setAttributes' as const), attributes }),
    fc.record({ op: fc.constant('many' as const), count: fc.integer({ min: 100, max: 140 }) }),
    fc.oneof(
      fc.record({ op: fc.constant('addEvent' as const), name: fc.string({ maxLength: 6 }), second: attributes, third: time }),
      fc.record({ op: fc.constant('addEvent' as const), name: fc.string({ maxLength: 6 }), second: time }),
    ),
    fc.record({ op: fc.constant('manyEvents' as const), count: fc.integer({ min: 120, max: 140 }), time }),
    fc.record({ op: fc.constant('addLink' as const), link }),
    fc.record({ op: fc.constant('manyLinks' as const), count: fc.integer({ min: 120, max: 140 }) }),
    fc.record({ op: fc.constant('setStatus' as const), code: fc.constantFrom(SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR), message: fc.option(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { nil: undefined }) }),
    fc.record({ op: fc.constant('updateName' as const), name: fc.string({ maxLength: 6 }) }),
    fc.record({ op: fc.constant('recordException' as const), exception, time }),
    fc.record({ op: fc.constant('end' as const), time }),
  );
  // Always ended last (perhaps once more), so that every span reaches the processor.
  return fc.tuple(fc.array(op, { maxLength: 8 }), time).map(([list, end]) => [...list, { op: 'end' as const, time: end }]);
}

function apply(span: Span, list: readonly Op[]): void {
  for (const o of list) {
    switch (o.op) {
      case 'setAttribute':
        span.setAttribute(o.key, o.value);
        break;
      case 'setAttributes':
        span.setAttributes(o.attributes);
        break;
      case 'many':
        for (let i = 0; i < o.count; i++) span.setAttribute(`k${i}`, i);
        break;
      case 'addEvent':
        span.addEvent(o.name, o.second, o.third);
        break;
      case 'manyEvents':
        for (let i = 0; i < o.count; i++) span.addEvent(`e${i}`, { i }, o.time);
        break;
      case 'addLink':
        span.addLink(o.link);
        break;
      case 'manyLinks':
        for (let i = 0; i < o.count; i++) span.addLinks([{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `${i}`.padStart(16, '0'), traceFlags: 1 } }]);
        break;
      case 'setStatus':
        span.setStatus({ code: o.code, message: o.message as string });
        break;
      case 'updateName':
        span.updateName(o.name);
        break;
      case 'recordException':
        span.recordException(o.exception, o.time);
        break;
      case 'end':
        span.end(o.time);
        break;
    }
  }
}

const PARENTS: Record<string, SpanContext | undefined> = {
  none: undefined,
  sampled: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('rojo=00f067aa0ba902b7') },
  'sampled, random flag': { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED | RANDOM_TRACE_ID_FLAG, isRemote: true },
  'not sampled': { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true },
  invalid: { traceId: '00000000000000000000000000000000', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true },
};

interface Scenario {
  sampler: string;
  parent: string;
  root: boolean;
  suppressed: boolean;
  name: string;
  options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; startTime?: TimeInput };
  ops: Op[];
}

function scenario(time: fc.Arbitrary<TimeInput | undefined>): fc.Arbitrary<Scenario> {
  return fc.record({
    sampler: fc.constantFrom(...Object.keys(SAMPLERS)),
    parent: fc.constantFrom(...Object.keys(PARENTS)),
    root: fc.boolean(),
    suppressed: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
    name: fc.oneof(fc.constantFrom('GET /orders', 'record me', 'x-skip'), fc.string({ maxLength: 6 })),
    options: fc.record(
      {
        kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
        attributes,
        links: fc.oneof(
          fc.array(link, { maxLength: 3 }),
          fc.integer({ min: 126, max: 132 }).map((n) => Array.from({ length: n }, (_, i): Link => ({ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `${i + 1}`.padStart(16, '0'), traceFlags: 1 } }))),
        ),
        startTime: time,
      },
      { requiredKeys: [] },
    ),
    ops: ops(time),
  });
}

/** What the side exports and says for one scenario; spans as plain values, without their ids. */
function run(side: Side, s: Scenario): { spans: unknown[]; returned: unknown; said: string[] } {
  let returned: unknown;
  const said = diagnostics(() => {
    const tracer = side.provider.getTracer('lambda-baton', '0.1.0');
    const parent = PARENTS[s.parent];
    let ctx: Context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
    if (s.suppressed) ctx = suppressTracing(ctx);
    const span = tracer.startSpan(s.name, { ...s.options, ...(s.root ? { root: true } : {}) }, ctx);
    apply(span, s.ops);
    returned = { recording: span.isRecording(), context: withoutIds(span.spanContext(), parent, s.root) };
  });
  const spans = side.exporter.getFinishedSpans().map((span) => plain(span, PARENTS[s.parent], s.root));
  side.exporter.reset();
  return { spans, returned, said: said.map(numberIds) };
}

/** Random ids differ between the two sides; the parents' ids are the same on both. */
function numberIds(text: string): string {
  return text.replace(/\b[0-9a-f]{32}\b|\b[0-9a-f]{16}\b/g, (id) => (Object.values(PARENTS).some((p) => p?.traceId === id || p?.spanId === id) ? id : '<id>'));
}

function withoutIds(c: SpanContext, parent: SpanContext | undefined, root: boolean): unknown {
  const continued = parent !== undefined && !root && parent.traceId !== '00000000000000000000000000000000' && c.traceId === parent.traceId;
  return { continued, traceFlags: c.traceFlags & ~RANDOM_TRACE_ID_FLAG, traceState: c.traceState?.serialize(), isRemote: c.isRemote };
}

function plain(span: ReadableSpan, parent: SpanContext | undefined, root: boolean): Record<string, unknown> {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: withoutIds(span.spanContext(), parent, root),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** HrTime values within `ms` of each other; everything else equal. */
function closeEnough(a: unknown, b: unknown, ms: number, path = ''): void {
  const isHr = (v: unknown): v is HrTime => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' && /(Time|time|duration)$/.test(path);
  if (isHr(a) && isHr(b)) {
    expect(Math.abs(a[0] * 1e3 + a[1] / 1e6 - (b[0] * 1e3 + b[1] / 1e6)), path).toBeLessThanOrEqual(ms);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !(a instanceof Uint8Array) && Object.getPrototypeOf(a) === Object.getPrototypeOf(b) && (Array.isArray(a) || Object.getPrototypeOf(a) === Object.prototype)) {
    expect(Object.keys(a as object), path).toEqual(Object.keys(b as object));
    for (const k of Object.keys(a as object)) closeEnough((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], ms, `${path}.${k}`);
    return;
  }
  expect(a, path).toEqual(b);
}

afterEach(() => {
  diag.disable();
});

describe('our tracer and span, against the SDK', () => {
  it('export the same spans and say the same, for any operations with given times', () => {
    fc.assert(
      // A start time too: a span whose given end precedes a start left to the clock ends at that start.
      fc.property(fc.tuple(scenario(exactTime), exactTime).map(([s, start]) => ({ ...s, options: { ...s.options, startTime: s.options.startTime ?? start } })), (s) => {
        const { sdk, ours } = sides(SAMPLERS[s.sampler] as Sampler);
        const theirs = run(sdk, s);
        const mine = run(ours, s);
        expect(mine.spans).toEqual(theirs.spans);
        expect(mine.returned).toEqual(theirs.returned);
        expect(mine.said).toEqual(theirs.said);
      }),
      { numRuns: 300 },
    );
  });

  it('export the same spans, within milliseconds, when times are left to the clock or given as performance.now()', () => {
    const time: fc.Arbitrary<TimeInput | undefined> = fc.oneof(fc.constant(undefined), fc.constant('perf' as const).map(() => performance.now() - 5), exactTime);
    fc.assert(
      fc.property(scenario(time), (s) => {
        const { sdk, ours } = sides(SAMPLERS[s.sampler] as Sampler);
        const theirs = run(sdk, s);
        const mine = run(ours, s);
        closeEnough(mine.spans, theirs.spans, 25);
      }),
      { numRuns: 150 },
    );
  });

  it('measures a span left to the clock from when it started, on a monotonic clock', async () => {
    const { ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
    const before = Date.now();
    const span = ours.provider.getTracer('t').startSpan('timed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    span.end();
    const [exported] = ours.exporter.getFinishedSpans();
    const start = (exported?.startTime[0] ?? 0) * 1e3 + (exported?.startTime[1] ?? 0) / 1e6;
    const duration = (exported?.duration[0] ?? 0) * 1e3 + (exported?.duration[1] ?? 0) / 1e6;
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(Date.now());
    expect(duration).toBeGreaterThanOrEqual(25);
    expect(duration).toBeLessThan(5_000);
  });

  it('keeps the SDK limits: 128 attributes, events and links, the oldest events and links dropped', () => {
    const { ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
    const span = ours.provider.getTracer('t').startSpan('limits');
    apply(span, [
      { op: 'many', count: 130 },
      { op: 'manyEvents', count: 130 },
      { op: 'manyLinks', count: 130 },
      { op: 'end' },
    ]);
    const [exported] = ours.exporter.getFinishedSpans();
    expect(Object.keys(exported?.attributes ?? {})).toHaveLength(SPAN_LIMITS.attributeCountLimit);
    expect(exported?.droppedAttributesCount).toBe(2);
    expect(exported?.events).toHaveLength(SPAN_LIMITS.eventCountLimit);
    expect(exported?.events[0]?.name).toBe('e2');
    expect(exported?.droppedEventsCount).toBe(2);
    expect(exported?.links).toHaveLength(SPAN_LIMITS.linkCountLimit);
    expect(exported?.droppedLinksCount).toBe(2);
  });
});

describe('our span, where the SDK’s throws', () => {
  it('records a warning, not a throw, for an exception it cannot record that has no prototype', () => {
    const { sdk, ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
    const odd = Object.assign(Object.create(null) as object, { name: '' }) as Exception;
    expect(() => sdk.provider.getTracer('t').startSpan('s').recordException(odd)).toThrow(TypeError);
    let span: Span | undefined;
    const said = diagnostics(() => {
      span = ours.provider.getTracer('t').startSpan('s');
      span.recordException(odd);
    });
    expect(said).toEqual(['warn Failed to record an exception [object without a prototype]']);
    span?.end();
    expect(ours.exporter.getFinishedSpans()[0]?.events).toEqual([]);
  });
});

describe('our tracer', () => {
  const manager = new AsyncLocalStorageContextManager();

  it('runs startActiveSpan in every form the API has, with the span active, and returns what the function returns', () => {
    context.setGlobalContextManager(manager.enable());
    try {
      const { ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
      const tracer: Tracer = ours.provider.getTracer('t');
      const parent = PARENTS['sampled'] as SpanContext;
      const inside: (string | undefined)[] = [];
      const fn = (span: Span): string => {
        inside.push(trace.getActiveSpan() === span ? 'active' : 'not active');
        span.end();
        return 'returned';
      };
      const options: SpanOptions = { kind: SpanKind.CONSUMER };
      expect(tracer.startActiveSpan('one', fn)).toBe('returned');
      expect(tracer.startActiveSpan('two', options, fn)).toBe('returned');
      expect(tracer.startActiveSpan('three', options, trace.setSpanContext(ROOT_CONTEXT, parent), fn)).toBe('returned');
      expect(inside).toEqual(['active', 'active', 'active']);
      const spans = ours.exporter.getFinishedSpans();
      expect(spans.map((s) => [s.name, s.kind])).toEqual([
        ['one', SpanKind.INTERNAL],
        ['two', SpanKind.CONSUMER],
        ['three', SpanKind.CONSUMER],
      ]);
      expect(spans[2]?.spanContext().traceId).toBe(parent.traceId);
      expect(spans[2]?.parentSpanContext?.spanId).toBe(parent.spanId);
    } finally {
      context.disable();
    }
  });

  it('gives one tracer per name, version and schema URL, each with its own scope', () => {
    const { ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
    const a = ours.provider.getTracer('lib', '1.0.0');
    expect(ours.provider.getTracer('lib', '1.0.0')).toBe(a);
    expect(ours.provider.getTracer('lib', '2.0.0')).not.toBe(a);
    expect(ours.provider.getTracer('lib', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.38.0' })).not.toBe(a);
    a.startSpan('s').end();
    expect(ours.exporter.getFinishedSpans()[0]?.instrumentationScope).toEqual({ name: 'lib', version: '1.0.0', schemaUrl: undefined });
  });

  it('sets the random trace-id flag on trace ids it makes and keeps a parent’s flag as it was', () => {
    const { ours } = sides(SAMPLERS['parentbased_always_on'] as Sampler);
    const tracer = ours.provider.getTracer('t');
    const flags = (parent: SpanContext | undefined) => tracer.startSpan('s', {}, parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent)).spanContext().traceFlags;
    expect(flags(undefined)).toBe(TraceFlags.SAMPLED | RANDOM_TRACE_ID_FLAG);
    expect(flags(PARENTS['sampled'])).toBe(TraceFlags.SAMPLED);
    expect(flags(PARENTS['sampled, random flag'])).toBe(TraceFlags.SAMPLED | RANDOM_TRACE_ID_FLAG);
    expect(flags(PARENTS['invalid'])).toBe(TraceFlags.SAMPLED | RANDOM_TRACE_ID_FLAG);
  });
});
