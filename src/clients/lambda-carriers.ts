import { DATADOG_KEY, splitDatadogFields } from '../propagation/datadog.js';
import { ENVELOPE_KEY } from '../triggers/envelope.js';
import { isObject } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';

/**
 * Where an outgoing Lambda invoke carries trace context, as pure functions over the
 * command's input values: `ClientContext` for synchronous invokes, the `_baton` payload
 * envelope for asynchronous ones (design.md section 2). Nothing here throws on user input.
 */

/** Invoke API reference: `ClientContext` is "up to 3,583 bytes of base64-encoded data". */
export const CLIENT_CONTEXT_MAX_BYTES = 3583;
/** Invoke API reference: "For asynchronous invocations, the maximum payload size is 1 MB." */
export const EVENT_PAYLOAD_MAX_BYTES = 1_048_576;
/** InvokeAsync API reference: "The payload limit is 256KB." */
export const INVOKE_ASYNC_MAX_BYTES = 262_144;

/** Propagation fields as the injector wrote them: `traceparent`, `tracestate`, `baggage`, … */
export type Fields = Record<string, string>;

/**
 * Fields we may drop to fit a size limit, in order: baggage is the largest and least
 * essential, tracestate next. The trace identity (`traceparent`, `b3`, X-Ray) always goes.
 */
const SHEDDABLE = ['baggage', 'tracestate'] as const;

/** `fields`, then `fields` without baggage, then without tracestate too; `shed` names what is gone. */
function* candidates(fields: Fields): Generator<{ fields: Fields; shed: string[] }> {
  let current = fields;
  const shed: string[] = [];
  yield { fields: current, shed: [] };
  for (const key of SHEDDABLE) {
    if (!Object.prototype.hasOwnProperty.call(current, key)) continue;
    current = { ...current };
    delete current[key];
    shed.push(key);
    yield { fields: current, shed: shed.slice() };
  }
}

export type ClientContextResult =
  /** `value` is the new base64 ClientContext; `shed` lists fields dropped to fit the limit. */
  | { readonly kind: 'injected'; readonly value: string; readonly shed: readonly string[] }
  /** The caller's ClientContext is not base64 of a JSON object (with an object `custom`): left as is. */
  | { readonly kind: 'invalid' }
  /** Not even the caller's context plus the trace identity fits: the caller's is sent unchanged. */
  | { readonly kind: 'too-large' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The caller's ClientContext as an object; `{}` when absent; undefined when it is not ours to merge into. */
export function decodeClientContext(value: unknown): Json | undefined {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const custom = parsed['custom'];
  // Merging into a `custom` that is not an object would replace it: that is the caller's to fix.
  return custom === undefined || custom === null || isObject(custom) ? parsed : undefined;
}

/** Base64 length of `bytes` bytes (RFC 4648, padded). */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * The caller's ClientContext with `fields` merged into its `custom`: the caller's `client`,
 * `env` and other `custom` keys are kept, and only the propagation fields are ours. Over
 * `limit` bytes of base64, baggage is shed, then tracestate.
 */
export function mergeClientContext(existing: unknown, fields: Fields, limit: number = CLIENT_CONTEXT_MAX_BYTES): ClientContextResult {
  const decoded = decodeClientContext(existing);
  if (decoded === undefined) return { kind: 'invalid' };
  const custom = isObject(decoded['custom']) ? decoded['custom'] : {};
  for (const candidate of candidates(fields)) {
    const merged: Json = { ...custom, ...candidate.fields };
    // A field we shed replaces the caller's value for it too: it was ours to write.
    for (const key of candidate.shed) delete merged[key];
    const json = JSON.stringify({ ...decoded, custom: merged });
    if (base64Length(Buffer.byteLength(json, 'utf8')) > limit) continue;
    return { kind: 'injected', value: Buffer.from(json, 'utf8').toString('base64'), shed: candidate.shed };
  }
  return { kind: 'too-large' };
}

export type PayloadResult =
  /** `payload` is the caller's payload with the envelope, in the caller's type. */
  | { readonly kind: 'injected'; readonly payload: unknown; readonly shed: readonly string[] }
  /** Absent, not JSON, or JSON that is not an object (array, string, number): left as is. */
  | { readonly kind: 'not-object' }
  /** A stream, Blob or other body we cannot read without consuming it: left as is. */
  | { readonly kind: 'unreadable' }
  /** The caller already set `key` (`_baton`; `_datadog` when that is all we would write): theirs is kept. */
  | { readonly kind: 'has-envelope'; readonly key: string }
  /** The envelope would push the payload over `limit`: left as is. */
  | { readonly kind: 'too-large' };

/** Fatal: bytes that are not UTF-8 are not JSON. ignoreBOM: a BOM stays in the text, so JSON.parse refuses it and the bytes are untouched. */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

type PayloadType = 'string' | 'buffer' | 'uint8array' | 'arraybuffer';

function readPayload(payload: unknown): { text: string; type: PayloadType } | 'unreadable' | undefined {
  try {
    if (typeof payload === 'string') return { text: payload, type: 'string' };
    if (Buffer.isBuffer(payload)) return { text: decoder.decode(payload), type: 'buffer' };
    if (payload instanceof Uint8Array) return { text: decoder.decode(payload), type: 'uint8array' };
    if (payload instanceof ArrayBuffer) return { text: decoder.decode(payload), type: 'arraybuffer' };
  } catch {
    return undefined; // not UTF-8: binary
  }
  return payload === undefined || payload === null ? undefined : 'unreadable';
}

function writePayload(text: string, type: PayloadType): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'buffer':
      return Buffer.from(text, 'utf8');
    case 'uint8array':
      return encoder.encode(text);
    case 'arraybuffer': {
      const bytes = encoder.encode(text);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
  }
}

/** What goes beside the `_baton` envelope: Datadog's fields as its own `_datadog` object, or nothing. */
export interface EnvelopeOptions {
  /**
   * Write Datadog's `x-datadog-*` fields (present only when `datadog` is named among the
   * propagators) as a `_datadog` object beside `_baton`, where Datadog's consumers read them:
   * EventBridge `detail._datadog`, Kinesis data `_datadog` (datadog-lambda-js,
   * src/trace/context/extractors/event-bridge.ts, kinesis.ts), Step Functions
   * `input._datadog` (dd-trace-js writes it there, packages/datadog-plugin-aws-sdk/src/services/stepfunctions.js).
   * When false, they stay in `_baton` like any other field.
   */
  readonly datadogBeside?: boolean;
}

/** One way to write the members: the envelope's fields, Datadog's (or none), what was dropped. */
interface Members {
  readonly baton: Fields | undefined;
  readonly datadog: Fields | undefined;
  readonly shed: readonly string[];
}

/**
 * The members to try, largest first: as for {@link candidates}, and, when Datadog's fields go
 * beside the envelope, `_datadog` is dropped after tracestate and baggage, before the trace
 * identity (the order of message attributes, message-attributes.ts).
 */
function* memberCandidates(baton: Fields | undefined, datadog: Fields | undefined): Generator<Members> {
  if (baton === undefined) {
    if (datadog !== undefined) yield { baton: undefined, datadog, shed: [] };
    return;
  }
  let smallest: { fields: Fields; shed: string[] } | undefined;
  for (const candidate of candidates(baton)) {
    smallest = candidate;
    yield { baton: candidate.fields, datadog, shed: candidate.shed };
  }
  if (datadog !== undefined && smallest !== undefined) yield { baton: smallest.fields, datadog: undefined, shed: [...smallest.shed, DATADOG_KEY] };
}

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/**
 * The payload with `"_baton": {fields}` added (and, with `datadogBeside`, `"_datadog": {…}`),
 * when it is a JSON object. The caller's bytes are kept exactly: the members are spliced in
 * before the closing brace rather than the JSON re-serialised, which would change number
 * formatting and lose precision of large integers. A `_datadog` the caller set is theirs.
 */
export function payloadWithEnvelope(payload: unknown, fields: Fields, limit: number, options: EnvelopeOptions = {}): PayloadResult {
  const read = readPayload(payload);
  if (read === 'unreadable') return { kind: 'unreadable' };
  if (read === undefined) return { kind: 'not-object' };
  const { text, type } = read;
  const open = text.search(/\S/);
  // Cheap refusal of the common non-object payloads before parsing.
  if (open === -1 || text.charCodeAt(open) !== 123 /* { */) return { kind: 'not-object' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'not-object' };
  }
  if (!isObject(parsed)) return { kind: 'not-object' };
  const split = options.datadogBeside === true ? splitDatadogFields(fields) : { datadog: undefined, rest: fields };
  const datadog = split.datadog !== undefined && hasOwn(parsed, DATADOG_KEY) ? undefined : split.datadog;
  // No `_baton` when Datadog's fields are all there is to write (`propagators: ['datadog']`).
  const baton = Object.keys(split.rest).length > 0 || split.datadog === undefined ? split.rest : undefined;
  if (baton !== undefined && hasOwn(parsed, ENVELOPE_KEY)) return { kind: 'has-envelope', key: ENVELOPE_KEY };
  if (baton === undefined && datadog === undefined) return { kind: 'has-envelope', key: DATADOG_KEY };

  // Valid JSON whose value is an object: its last non-space character is the closing brace.
  const close = text.lastIndexOf('}');
  const empty = text.slice(open + 1, close).trim() === '';
  const before = text.slice(0, close);
  const after = text.slice(close);
  const originalBytes = type === 'string' ? Buffer.byteLength(text, 'utf8') : (payload as ArrayBufferLike | Uint8Array).byteLength;
  for (const candidate of memberCandidates(baton, datadog)) {
    const members: string[] = [];
    if (candidate.baton !== undefined) members.push(`"${ENVELOPE_KEY}":${JSON.stringify(candidate.baton)}`);
    if (candidate.datadog !== undefined) members.push(`"${DATADOG_KEY}":${JSON.stringify(candidate.datadog)}`);
    const member = `${empty ? '' : ','}${members.join(',')}`;
    // The members are ASCII-safe JSON of header values; their UTF-8 size is their byte length.
    if (originalBytes + Buffer.byteLength(member, 'utf8') > limit) continue;
    return { kind: 'injected', payload: writePayload(before + member + after, type), shed: candidate.shed };
  }
  return { kind: 'too-large' };
}

/** A function named in `FunctionName`: its name, and its region when an ARN gave one. */
export interface InvokedFunction {
  readonly name: string;
  readonly region: string | undefined;
}

/*
 * Invoke API reference, FunctionName pattern:
 *   (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?
 *   ([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?
 * so `my-fn`, `my-fn:alias`, `123456789012:function:my-fn` and full ARNs with or without a
 * qualifier all name the same function.
 */
const FUNCTION_NAME =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(?:\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/;

/** Parse `FunctionName`; anything that does not match AWS's pattern is used as the name as given. */
export function invokedFunction(functionName: unknown): InvokedFunction | undefined {
  if (typeof functionName !== 'string' || functionName === '') return undefined;
  const match = FUNCTION_NAME.exec(functionName);
  if (match === null) return { name: functionName, region: undefined };
  return { name: match[2] ?? functionName, region: match[1] };
}
