import { context as contextApi, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * W3C Trace Context Level 2, "Random Trace ID Flag" (`00000010`): "When at least the
 * right-most 7 bytes of the trace-id are randomly (or pseudo-randomly) generated, the
 * random-trace-id flag SHOULD be set", and when continuing a trace, "If the flag is set in
 * the incoming traceparent header, it MUST also be set in all outgoing traceparent headers
 * which use the same trace-id" (and stay unset when it was unset).
 */
export const RANDOM_TRACE_ID_FLAG = 0x02;

const flagged = new WeakSet<Tracer>();

/**
 * The SDK's tracer sets a span's trace flags from the sampling decision alone (SAMPLED or
 * NONE: @opentelemetry/sdk-trace 3.1.0, `Tracer.startSpan`), so the random flag is lost both
 * on trace ids it generates (RandomIdGenerator: 16 random bytes) and on a parent's. We set
 * it on the span context the tracer just made, before anything reads its flags (the span
 * processor's `onStart` reads only SAMPLED): OTel's W3C propagator then writes `03`, and
 * the OTLP transformer exports the low 8 bits as the span's `flags`.
 */
function withRandomFlag(tracer: Tracer): Tracer {
  if (flagged.has(tracer)) return tracer;
  flagged.add(tracer);
  const startSpan = tracer.startSpan.bind(tracer);
  // An own property: the SDK's `startActiveSpan` calls `this.startSpan`, so it comes here too.
  tracer.startSpan = (name: string, options?: SpanOptions, context: Context = contextApi.active()): Span => {
    const span = startSpan(name, options, context);
    const own = span.spanContext();
    // Suppressed tracing returns the shared INVALID_SPAN_CONTEXT, which must stay as it is.
    if (!isSpanContextValid(own)) return span;
    const parent = options?.root === true ? undefined : trace.getSpanContext(context);
    const continued = parent !== undefined && isSpanContextValid(parent) && parent.traceId === own.traceId;
    if (!continued || (parent.traceFlags & RANDOM_TRACE_ID_FLAG) !== 0) own.traceFlags |= RANDOM_TRACE_ID_FLAG;
    return span;
  };
  return tracer;
}

/** The SDK's provider, whose tracers (ours and the user's) set the random trace-id flag. */
export class RandomFlagTracerProvider extends TracerProvider {
  override getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    return withRandomFlag(super.getTracer(name, version, options));
  }
}
