import { TraceFlags, createContextKey, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, SpanContext, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { StrictTraceContextPropagator } from './tracecontext.js';

/*
 * Datadog's own propagation format, read and written by hand: no OpenTelemetry JS package
 * implements it (the contrib propagators cover W3C, B3, Jaeger, X-Ray and OT only), and
 * Datadog's tracer cannot be loaded as a propagator without its whole runtime. The rules
 * below are those of dd-trace-js (packages/dd-trace/src/opentracing/propagation/text_map.js)
 * and datadog-lambda-js (src/trace/context/extractors/):
 * - `x-datadog-trace-id`, `x-datadog-parent-id`: decimal unsigned 64-bit; zero is no context.
 * - `x-datadog-sampling-priority`: -1 user reject, 0 auto reject, 1 auto keep, 2 user keep.
 * - `x-datadog-tags`: comma-separated `_dd.p.<key>=<value>`; `_dd.p.tid` holds the upper 64
 *   bits of a 128-bit trace id as 16 hex digits. Datadog drops the whole header when it is
 *   over 512 characters or any tag is malformed, and ignores a `tid` that is not 16 hex digits.
 * - `x-datadog-origin`: where the trace began (`synthetics`, `rum`, …), kept for Datadog.
 */
export const DATADOG_TRACE_ID = 'x-datadog-trace-id';
export const DATADOG_PARENT_ID = 'x-datadog-parent-id';
export const DATADOG_SAMPLING_PRIORITY = 'x-datadog-sampling-priority';
export const DATADOG_TAGS = 'x-datadog-tags';
export const DATADOG_ORIGIN = 'x-datadog-origin';
/** The message attribute (SQS, SNS) and payload key (EventBridge, Kinesis) Datadog carries its fields in. */
export const DATADOG_KEY = '_datadog';

const FIELDS = [DATADOG_TRACE_ID, DATADOG_PARENT_ID, DATADOG_SAMPLING_PRIORITY, DATADOG_TAGS, DATADOG_ORIGIN] as const;

/** dd-trace-js's default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`. */
const TAGS_MAX_LENGTH = 512;
const TID = '_dd.p.tid';
const UINT64_MAX = '18446744073709551615';
const DECIMAL = /^[0-9]{1,20}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;
/** dd-trace-js `tagKeyExpr` and `tagValueExpr`: printable ASCII, no comma; keys without spaces. */
const TAG_KEY = /^_dd\.p\.[\x21-\x2b\x2d-\x7e]+$/;
const TAG_VALUE = /^[\x20-\x2b\x2d-\x7e]*$/;
/** What dd-trace-js writes in `x-datadog-origin`: printable ASCII. */
const ORIGIN = /^[\x20-\x7e]{1,256}$/;
const ZERO16 = '0000000000000000';

/**
 * What a Datadog caller said beyond the ids, kept with the trace it belongs to so that our
 * own writes hand it back: its sampling priority (a user's keep or reject), its origin and
 * its other `_dd.p.*` tags (the decision maker `_dd.p.dm`, among others).
 */
interface DatadogState {
  readonly traceId: string;
  readonly priority: number | undefined;
  readonly origin: string | undefined;
  /** `_dd.p.*` tags other than `_dd.p.tid`, as received (`k=v,k=v`), or ''. */
  readonly tags: string;
}

const STATE = createContextKey('lambda-baton datadog state');

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** The last of several values, as dd-trace-js reads its id and priority headers (carrier.js `readLastText`). */
function last(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return typeof value === 'string' ? trimOws(value) : undefined;
}

/** Several values joined, as dd-trace-js reads its tags header (carrier.js `readListText`). */
function joined(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  return typeof value === 'string' ? trimOws(value) : undefined;
}

/**
 * A decimal unsigned 64-bit id as 16 lower-case hex digits; undefined for zero, anything not
 * made of 1 to 20 decimal digits, or a value over 2^64 - 1. BigInt converts exactly and, on
 * Node 20, about four times faster than a conversion in 32-bit halves (bench/datadog.mjs).
 */
export function decimalToHex16(value: string): string | undefined {
  if (!DECIMAL.test(value)) return undefined;
  // Twenty digits may be out of range; equal lengths compare as numbers do.
  if (value.length === 20 && value > UINT64_MAX) return undefined;
  const hex = BigInt(value).toString(16);
  return hex === '0' ? undefined : hex.padStart(16, '0');
}

/** 16 hex digits as a decimal unsigned 64-bit integer (no leading zeros). */
export function hex16ToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString();
}

/**
 * `x-datadog-tags` read as Datadog reads it: the upper half of the trace id (16 zeros when
 * absent or malformed) and the other `_dd.p.*` tags. A header over 512 characters, or with any
 * malformed tag, is dropped whole.
 */
function readTags(header: string | undefined): { upper: string; tags: string } {
  if (header === undefined || header === '' || header.length > TAGS_MAX_LENGTH) return { upper: ZERO16, tags: '' };
  let upper = ZERO16;
  const kept: string[] = [];
  for (const tag of header.split(',')) {
    const eq = tag.indexOf('=');
    const key = eq === -1 ? tag : tag.slice(0, eq);
    const value = eq === -1 ? '' : tag.slice(eq + 1);
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value)) return { upper: ZERO16, tags: '' };
    if (key === TID) {
      if (HEX16.test(value)) upper = value.toLowerCase();
    } else if (value !== '') {
      kept.push(`${key}=${value}`);
    }
  }
  return { upper, tags: kept.join(',') };
}

function readPriority(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^-?[0-9]{1,10}$/.test(raw)) return undefined;
  return Number.parseInt(raw, 10);
}

/**
 * The W3C span context a carrier's Datadog fields name, or undefined when they name none.
 * A missing (or non-integer) priority leaves the decision to the receiver, as Datadog's
 * tracer does (it samples locally); here it reads as sampled, so that a parent-based sampler
 * keeps the trace Datadog's own default would have kept.
 */
function readDatadog(carrier: unknown, getter: TextMapGetter): { spanContext: SpanContext; state: DatadogState } | undefined {
  const rawTrace = last(getter.get(carrier, DATADOG_TRACE_ID));
  if (rawTrace === undefined) return undefined;
  const lower = decimalToHex16(rawTrace);
  if (lower === undefined) return undefined;
  const rawParent = last(getter.get(carrier, DATADOG_PARENT_ID));
  const spanId = rawParent === undefined ? undefined : decimalToHex16(rawParent);
  if (spanId === undefined) return undefined;
  const { upper, tags } = readTags(joined(getter.get(carrier, DATADOG_TAGS)));
  const priority = readPriority(last(getter.get(carrier, DATADOG_SAMPLING_PRIORITY)));
  const rawOrigin = last(getter.get(carrier, DATADOG_ORIGIN));
  const traceId = upper + lower;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: priority !== undefined && priority <= 0 ? TraceFlags.NONE : TraceFlags.SAMPLED,
    isRemote: true,
  };
  return {
    spanContext,
    state: { traceId, priority, origin: rawOrigin !== undefined && ORIGIN.test(rawOrigin) ? rawOrigin : undefined, tags },
  };
}

/** The Datadog fields for `spanContext` (and what a Datadog caller told us about its trace), or undefined. */
function datadogFields(context: Context): Record<string, string> | undefined {
  const spanContext = trace.getSpanContext(context);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  const upper = spanContext.traceId.slice(0, 16);
  const lower = spanContext.traceId.slice(16);
  // Datadog has no trace whose lower half is zero: there is nothing it could continue.
  if (lower === ZERO16) return undefined;
  const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  const held = context.getValue(STATE) as DatadogState | undefined;
  const state = held !== undefined && held.traceId === spanContext.traceId ? held : undefined;
  // A caller's own priority is kept while it agrees with the sampling decision (a user's keep, 2, stays 2).
  const priority =
    state?.priority !== undefined && state.priority > 0 === sampled ? state.priority : sampled ? 1 : 0;
  const fields: Record<string, string> = {
    [DATADOG_TRACE_ID]: hex16ToDecimal(lower),
    [DATADOG_PARENT_ID]: hex16ToDecimal(spanContext.spanId),
    [DATADOG_SAMPLING_PRIORITY]: String(priority),
  };
  const tags = [state?.tags ?? '', upper === ZERO16 ? '' : `${TID}=${upper}`].filter((t) => t !== '').join(',');
  if (tags !== '' && tags.length <= TAGS_MAX_LENGTH) fields[DATADOG_TAGS] = tags;
  if (state?.origin !== undefined) fields[DATADOG_ORIGIN] = state.origin;
  return fields;
}

const w3c = new StrictTraceContextPropagator();

/**
 * Datadog's `x-datadog-*` fields as an OpenTelemetry TextMapPropagator. Reading converts
 * the ids exactly (decimal to hex, `_dd.p.tid` as the upper 64 bits); writing converts back
 * (the lower half in decimal, the upper half as `_dd.p.tid`). A W3C `tracestate` in the same
 * carrier for the same trace is kept, `dd=` member and all: it is other vendors' state.
 *
 * @example
 * const ctx = new DatadogPropagator().extract(ROOT_CONTEXT, { 'x-datadog-trace-id': '42', 'x-datadog-parent-id': '7' }, defaultTextMapGetter);
 * trace.getSpanContext(ctx)?.traceId; // '0000000000000000000000000000002a'
 */
export class DatadogPropagator implements TextMapPropagator {
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const found = readDatadog(carrier, getter);
    if (found === undefined) return context;
    const { spanContext, state } = found;
    const traceparent = getter.get(carrier, 'traceparent') === undefined ? undefined : w3c.spanContext(carrier, getter);
    if (traceparent?.traceState !== undefined && traceparent.traceId === spanContext.traceId) {
      spanContext.traceState = traceparent.traceState;
    }
    return trace.setSpanContext(context, spanContext).setValue(STATE, state);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const fields = datadogFields(context);
    if (fields === undefined) return;
    for (const key in fields) setter.set(carrier, key, fields[key] as string);
  }

  fields(): string[] {
    return [...FIELDS];
  }
}

/** The propagation fields an injector wrote, by name (what the SDK clients collect before writing a carrier). */
export type PropagationFields = Record<string, string>;

const isDatadogField = (key: string): boolean => key.startsWith('x-datadog-');

/**
 * Split what an injector wrote into Datadog's fields and the rest. Datadog's consumers read
 * its fields from one `_datadog` value only: a message attribute on SQS and SNS, an object in
 * an EventBridge `detail` or Kinesis data (datadog-lambda-js, src/trace/context/extractors/).
 * `datadog` is undefined when no Datadog field was written: the propagator is not configured,
 * or the context is not one Datadog can carry.
 *
 * @example
 * const { datadog, rest } = splitDatadogFields(fields);
 * const detail = { ...payload, _baton: rest, ...(datadog === undefined ? {} : { _datadog: datadog }) };
 */
export function splitDatadogFields(fields: PropagationFields): { datadog: PropagationFields | undefined; rest: PropagationFields } {
  let datadog: PropagationFields | undefined;
  let rest: PropagationFields | undefined;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key) || !isDatadogField(key)) continue;
    datadog ??= {};
    datadog[key] = fields[key] as string;
    rest ??= { ...fields };
    delete rest[key];
  }
  return { datadog, rest: rest ?? fields };
}

/** A `_datadog` message attribute ready for an SDK input: String on SQS, Binary (UTF-8 bytes of the JSON) on SNS. */
export interface DatadogMessageAttribute {
  readonly name: typeof DATADOG_KEY;
  readonly dataType: 'String' | 'Binary';
  readonly value: string | Uint8Array;
}

/**
 * {@link splitDatadogFields}, with the Datadog part as the one message attribute a producer
 * writes, within the ten SQS and SNS allow: `String` for SQS, as dd-trace-js writes it; `Binary` for SNS, which Datadog moved
 * to because a String `_datadog` interfered with subscription filter policies
 * (dd-trace-js packages/datadog-plugin-aws-sdk/src/services/sqs.js and sns.js).
 *
 * @example
 * const { rest, attribute } = datadogMessageAttribute(send.fields(), 'Binary'); // SNS
 * // write `rest` as before; then, room permitting, `attribute` as `_datadog`
 */
export function datadogMessageAttribute(
  fields: PropagationFields,
  dataType: 'String' | 'Binary',
): { rest: PropagationFields; attribute: DatadogMessageAttribute | undefined } {
  const { datadog, rest } = splitDatadogFields(fields);
  if (datadog === undefined) return { rest, attribute: undefined };
  const json = JSON.stringify(datadog);
  const value = dataType === 'Binary' ? new Uint8Array(Buffer.from(json, 'utf8')) : json;
  return { rest, attribute: { name: DATADOG_KEY, dataType, value } };
}

/**
 * The `_datadog` JSON for `context`: the Datadog fields of its span, or undefined when it has
 * none Datadog can carry. For producers that write Datadog's carrier whatever the configured
 * propagators; {@link splitDatadogFields} follows the configuration.
 *
 * @example
 * const json = datadogCarrierJson(context.active()); // '{"x-datadog-trace-id":"…",…}' or undefined
 */
export function datadogCarrierJson(context: Context): string | undefined {
  const fields = datadogFields(context);
  return fields === undefined ? undefined : JSON.stringify(fields);
}
