import { format } from 'node:util';
import type { SpanContext } from '@opentelemetry/api';
import { flagsHex } from './fields.js';

/**
 * Lambda's text format is `<time>\t<requestId>\t<LEVEL>\t<message>` (aws-lambda-ric,
 * LogPatch.js). The ids go at the end of the message as `key=value` pairs, the customary
 * form for plain text that OpenTelemetry's "Trace Context in Non-OTLP Log Formats" asks for,
 * so the message reads as before and a Logs Insights `parse` finds them anywhere in the line.
 */
export function textSuffix(spanContext: SpanContext): string {
  return ` trace_id=${spanContext.traceId} span_id=${spanContext.spanId} trace_flags=${flagsHex(spanContext.traceFlags)}`;
}

/**
 * The message as the runtime would format it (`util.format(message, ...params)`), with the
 * ids appended. Handed
 * to the runtime as its only argument, it comes out unchanged: `util.format` returns a lone
 * string as is. Undefined when formatting throws (a throwing custom inspect): the caller
 * then lets the runtime format the original arguments, as without us.
 */
export function textMessage(spanContext: SpanContext, args: readonly unknown[]): string | undefined {
  try {
    // The runtime calls util.format(message, ...params): no argument at all prints "undefined".
    return (args.length === 0 ? format(undefined) : format(...args)) + textSuffix(spanContext);
  } catch {
    return undefined;
  }
}
