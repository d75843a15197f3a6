import type { SpanContext } from '@opentelemetry/api';
import { flagsHex } from './fields.js';

/**
 * Under `AWS_LAMBDA_LOG_FORMAT=JSON` the runtime builds each line as an object literal
 * (`{timestamp, level, requestId, tenantId?, message, errorType?, …}`) and serialises it with
 * the global `JSON.stringify` (aws-lambda-ric, LogPatch.js `formatJsonMessage`), then frames
 * and writes it itself, to stdout or to the telemetry descriptor. The only point where the
 * ids can join that object without us writing the line is that call: for the duration of one
 * console call inside a span, `JSON.stringify` is a function that adds the three fields to
 * the runtime's record (recognised by its shape, at the outermost call only) and leaves every
 * other call, including the user's own from a `toJSON`, to the original.
 */

let pending: SpanContext | undefined;
let inside = false;
let original: typeof JSON.stringify = JSON.stringify;

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function isRuntimeRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    hasOwn(value, 'timestamp') &&
    hasOwn(value, 'level') &&
    hasOwn(value, 'requestId')
  );
}

/** A copy of the runtime's record with the ids after its own header fields, before `message`. */
function withIds(record: Record<string, unknown>, spanContext: SpanContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let added = false;
  for (const key of Object.keys(record)) {
    if (key === 'message' && !added) {
      out['trace_id'] = spanContext.traceId;
      out['span_id'] = spanContext.spanId;
      out['trace_flags'] = flagsHex(spanContext.traceFlags);
      added = true;
    }
    out[key] = record[key];
  }
  if (!added) {
    out['trace_id'] = spanContext.traceId;
    out['span_id'] = spanContext.spanId;
    out['trace_flags'] = flagsHex(spanContext.traceFlags);
  }
  return out;
}

type Stringify = (value: unknown, replacer?: unknown, space?: unknown) => string;

// `JSON.stringify`'s own signature (the overloads of lib.es5.d.ts), so it can stand in for it.
const stringifyWithIds = function (this: unknown, ...args: unknown[]): string {
  const spanContext = pending;
  const value = args[0];
  const stringify = original as unknown as Stringify;
  if (spanContext === undefined || inside || !isRuntimeRecord(value)) return stringify.apply(JSON, args as Parameters<Stringify>);
  inside = true;
  try {
    return stringify.call(JSON, withIds(value, spanContext), args[1], args[2]);
  } finally {
    inside = false;
  }
} as typeof JSON.stringify;

/** Whether `JSON.stringify` can be swapped at all (a frozen `JSON` keeps the lines as they are). */
export function canSwapStringify(): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(JSON, 'stringify');
  return descriptor?.writable === true || descriptor?.set !== undefined;
}

/**
 * Run `call` (the runtime's console method) with `spanContext`'s ids added to the record it
 * serialises. Nested console calls (from a `toJSON`) get their own ids and restore ours.
 */
export function callWithJsonIds<T>(spanContext: SpanContext, call: () => T): T {
  const current = JSON.stringify;
  const swap = current !== stringifyWithIds;
  if (swap) {
    try {
      JSON.stringify = stringifyWithIds;
    } catch {
      // JSON frozen since set-up: the line goes out as the runtime writes it.
      return call();
    }
    original = current;
  }
  const outerPending = pending;
  const outerInside = inside;
  pending = spanContext;
  inside = false;
  try {
    return call();
  } finally {
    pending = outerPending;
    inside = outerInside;
    if (swap) {
      try {
        JSON.stringify = current;
      } catch {
        // Frozen during the call: ours stays, and passes every later call through untouched.
      }
    }
  }
}
