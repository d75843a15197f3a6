import { context as contextApi, diag, INVALID_SPAN_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, Span, SpanContext, SpanOptions, Tracer, TracerProvider } from '@opentelemetry/api';
import { cleanAttributes, isTracingSuppressed } from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { LINK_ATTRIBUTE_LIMITS, RecordingSpan, SPAN_LIMITS } from './span.js';

/**
 * W3C Trace Context Level 2, "Random Trace ID Flag" (`00000010`): "When at least the
 * right-most 7 bytes of the trace-id are randomly (or pseudo-randomly) generated, the
 * random-trace-id flag SHOULD be set", and when continuing a trace, "If the flag is set in
 * the incoming traceparent header, it MUST also be set in all outgoing traceparent headers
 * which use the same trace-id" (and stay unset when it was unset). The SDK's tracer sets a
 * span's flags from the sampling decision alone (3.1.0, `Tracer.startSpan`); ours adds this.
 */
export const RANDOM_TRACE_ID_FLAG = 0x02;

const NO_LIMITS = { attributeCountLimit: Infinity, attributeValueLengthLimit: Infinity };

/** What every tracer of one provider shares. */
interface TracerSetup {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly processor: SpanProcessor;
  readonly ids: RandomIdGenerator;
}

/**
 * A tracer that starts spans as the SDK's does (@opentelemetry/sdk-trace 3.1.0, `Tracer`):
 * suppressed tracing, the parent from the context (or none with `root`), ids, the sampler's
 * decision, attributes and links cleaned within the same limits; and the random trace-id flag.
 */
export class BatonTracer implements Tracer {
  constructor(
    readonly instrumentationScope: InstrumentationScope,
    private readonly setup: TracerSetup,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    if (options.root === true) context = trace.deleteSpan(context);
    if (isTracingSuppressed(context)) {
      diag.debug('Instrumentation suppressed, returning Noop Span');
      return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    }
    const { ids, sampler, processor, resource } = this.setup;
    const candidate = trace.getSpan(context)?.spanContext();
    const parent = candidate !== undefined && trace.isSpanContextValid(candidate) ? candidate : undefined;
    const spanId = ids.generateSpanId();
    const traceId = parent?.traceId ?? ids.generateTraceId();
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links = (options.links ?? []).map((link) => ({ context: link.context, ...cleanAttributes(link.attributes, LINK_ATTRIBUTE_LIMITS) }));
    const given = cleanAttributes(options.attributes, NO_LIMITS);
    const attributes = given.attributes ?? {};
    const sampling = sampler.shouldSample(context, traceId, name, kind, attributes, links);
    // A new trace id is ours, and random; a continued trace keeps its parent's flag.
    const random = parent === undefined ? RANDOM_TRACE_ID_FLAG : parent.traceFlags & RANDOM_TRACE_ID_FLAG;
    const sampled = sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE;
    const spanContext: SpanContext = { traceId, spanId, traceFlags: sampled | random, traceState: sampling.traceState ?? parent?.traceState };
    if (sampling.decision === SamplingDecision.NOT_RECORD) {
      diag.debug('Recording is off, propagating context in a non-recording span');
      return trace.wrapSpanContext(spanContext);
    }
    const kept = cleanAttributes(Object.assign(attributes, sampling.attributes), SPAN_LIMITS);
    return new RecordingSpan({
      name,
      kind,
      spanContext,
      parentSpanContext: parent,
      attributes: kept.attributes ?? {},
      droppedAttributesCount: (given.droppedAttributesCount ?? 0) + (kept.droppedAttributesCount ?? 0),
      links,
      startTime: options.startTime,
      resource,
      scope: this.instrumentationScope,
      processor,
      context,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, context: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let parent: Context | undefined;
    let fn: F;
    if (rest.length === 1) [fn] = rest;
    else if (rest.length === 2) [options, fn] = rest;
    else if (rest.length === 3) [options, parent, fn] = rest;
    else return undefined;
    const parentContext = parent ?? contextApi.active();
    const span = this.startSpan(name, options, parentContext);
    return contextApi.with(trace.setSpan(parentContext, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/** Ends nothing, exports nothing: the processor when no exporter is configured. */
const NO_PROCESSOR: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * The process's tracer provider, registered globally so that tracers users get from
 * `@opentelemetry/api` record into it too. One tracer per name, version and schema URL.
 */
export class BatonTracerProvider implements TracerProvider {
  private readonly setup: TracerSetup;
  private readonly tracers = new Map<string, BatonTracer>();

  constructor(options: { resource: Resource; sampler: Sampler; processor?: SpanProcessor | undefined }) {
    this.setup = { resource: options.resource, sampler: options.sampler, processor: options.processor ?? NO_PROCESSOR, ids: new RandomIdGenerator() };
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new BatonTracer({ name, version, schemaUrl: options?.schemaUrl }, this.setup);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  /** Export what has ended and wait for the exporter's pending work. */
  forceFlush(): Promise<void> {
    return this.setup.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.setup.processor.shutdown();
  }
}
