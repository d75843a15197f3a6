import { context as contextApi, isSpanContextValid, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';

/**
 * The active span's ids under the field names OpenTelemetry gives trace context in non-OTLP
 * log formats ("Trace Context in Non-OTLP Log Formats"): lowercase hex, flags as W3C
 * `trace-flags` (two hex digits).
 */
export interface LogFields {
  readonly trace_id: string;
  readonly span_id: string;
  readonly trace_flags: string;
}

/** `trace-flags` as W3C writes them: two lowercase hex digits. */
export function flagsHex(flags: number): string {
  // Flags are almost always 01 or 00. A table of all 256, built at load, was some 8 KB of
  // young-generation garbage at every cold start.
  const byte = flags & 0xff;
  return byte === 1 ? '01' : byte === 0 ? '00' : byte.toString(16).padStart(2, '0');
}

/** The active span's context when it has valid ids; never throws. */
export function activeSpanContext(): SpanContext | undefined {
  try {
    const span = trace.getSpan(contextApi.active());
    if (span === undefined) return undefined;
    const spanContext = span.spanContext();
    return isSpanContextValid(spanContext) ? spanContext : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The active span's `trace_id`, `span_id` and `trace_flags`, for structured loggers; an empty
 * object outside a span, so spreading it adds nothing. Never throws.
 *
 * @example
 * import pino from 'pino';
 * import { logFields } from 'lambda-baton';
 * const logger = pino({ mixin: () => logFields() });
 */
export function logFields(): LogFields | Record<string, never> {
  const spanContext = activeSpanContext();
  if (spanContext === undefined) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: flagsHex(spanContext.traceFlags) };
}
