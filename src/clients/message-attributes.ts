import { DATADOG_KEY, datadogMessageAttribute } from '../propagation/datadog.js';
import { isObject } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import type { Fields } from './lambda-carriers.js';

/**
 * Trace context as SQS and SNS message attributes, within their limits: the room left under
 * 10 attributes and 262,144 bytes, where a message's size is its body plus every attribute's
 * name, data type and value (SQS Developer Guide, "Amazon SQS message attributes"; SNS
 * Developer Guide, "Amazon SNS message attributes": "the message size [...] includes all
 * message attributes"; 10 is the most SNS delivers to an SQS subscriber). Pure functions over
 * the command's input values; nothing here throws on user input.
 */

/** SQS quotas and SNS: at most 10 message attributes reach the consumer. */
export const MAX_MESSAGE_ATTRIBUTES = 10;
/** SQS SendMessage and SNS Publish: 262,144 bytes per message, and per batch in total. */
export const MAX_MESSAGE_BYTES = 262_144;

/** A message attribute we may write. */
export interface AttributeField {
  readonly name: string;
  readonly dataType: 'String' | 'Binary';
  readonly value: string | Uint8Array;
}

/**
 * W3C's identity first, then Datadog's one attribute (written only when `datadog` is named
 * among the propagators), then the optional W3C fields, then any other propagator's.
 * `_datadog` comes before `tracestate` and `baggage` because naming `datadog` says Datadog
 * consumers are downstream, and they read the trace from `_datadog` alone
 * (datadog-lambda-js, src/trace/context/extractors/sqs.ts and sns.ts): without it their
 * trace breaks, while a missing tracestate or baggage only loses extras. After `traceparent`,
 * which our own consumers and every OpenTelemetry one read.
 */
const PRIORITY = ['traceparent', DATADOG_KEY, 'tracestate', 'baggage'];

/**
 * The fields to write, in priority order: the first is the trace identity (`traceparent`
 * with the default propagators, `_datadog` when Datadog's is the only format written),
 * without which the others are not written. One list for SQS and SNS. Datadog's
 * `x-datadog-*` fields never become attributes of their own: they go together as the one
 * `_datadog` attribute Datadog reads, of `datadogType` (String on SQS, Binary on SNS, see
 * datadogMessageAttribute).
 */
export function attributeFields(fields: Fields, datadogType: 'String' | 'Binary'): AttributeField[] {
  const { rest, attribute } = datadogMessageAttribute(fields, datadogType);
  const list: AttributeField[] = Object.keys(rest).map((name) => ({ name, dataType: 'String', value: rest[name] as string }));
  if (attribute !== undefined) list.push(attribute);
  return list.sort((a, b) => rank(a.name) - rank(b.name));
}

function rank(name: string): number {
  const at = PRIORITY.indexOf(name);
  return at === -1 ? PRIORITY.length : at;
}

const utf8 = (value: string): number => Buffer.byteLength(value, 'utf8');

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  return 0;
}

/** One attribute's size against the message limit: its name, data type and value(s). */
function attributeBytes(name: string, attribute: unknown): number {
  let bytes = utf8(name);
  if (!isObject(attribute)) return bytes;
  bytes += valueBytes(attribute['DataType']) + valueBytes(attribute['StringValue']) + valueBytes(attribute['BinaryValue']);
  for (const list of [attribute['StringListValues'], attribute['BinaryListValues']]) {
    if (Array.isArray(list)) for (const item of list) bytes += valueBytes(item);
  }
  return bytes;
}

function fieldBytes(field: AttributeField): number {
  return utf8(field.name) + utf8(field.dataType) + valueBytes(field.value);
}

/** A message's size against the limit: body plus every attribute. */
function messageBytes(body: unknown, attributes: unknown): number {
  let bytes = valueBytes(body);
  if (isObject(attributes)) for (const [name, attribute] of Object.entries(attributes)) bytes += attributeBytes(name, attribute);
  return bytes;
}

/** Room shared by the entries of one batch: the batch's total size is limited too. */
export interface BatchRoom {
  bytes: number;
}

/** The room a batch leaves, for `sizes` of its entries. */
function batchRoom(sizes: readonly number[], limit: number = MAX_MESSAGE_BYTES): BatchRoom {
  return { bytes: limit - sizes.reduce((a, b) => a + b, 0) };
}

export type AttributesResult =
  /** `attributes` is the caller's map plus ours; `shed` names fields that did not fit. */
  | { readonly kind: 'written'; readonly attributes: Json; readonly shed: readonly string[] }
  /** The caller set the identity field themselves: their context travels, ours is not written. */
  | { readonly kind: 'caller-set' }
  /** Not even the identity field fits: nothing is written. */
  | { readonly kind: 'no-room' };

/**
 * A batch's entries, each object entry replaced by `write(entry, room)`: `room` carries the
 * room the whole batch shares (its total is limited like one message's size) and the entry's
 * own size, counted once here. `bodyKey` names the entry's body (`MessageBody`, `Message`).
 */
export function eachEntryWithRoom(list: readonly unknown[], bodyKey: string, write: (entry: Json, room: EntryRoom) => Json): unknown[] {
  const sizes = list.map((e) => (isObject(e) ? messageBytes(e[bodyKey], e['MessageAttributes']) : 0));
  const batch = batchRoom(sizes);
  return list.map((entry, i) => (isObject(entry) ? write(entry, { batch, size: sizes[i] }) : entry));
}

/** What a batch entry's caller already knows: the batch's shared room and the entry's size. */
export interface EntryRoom {
  readonly batch?: BatchRoom | undefined;
  /** `messageBytes(body, existing)`, when the caller has computed it for the batch's room. */
  readonly size?: number | undefined;
}

/** Whether `name` is among `names`, in any case: consumers match names case-insensitively. */
function hasName(names: readonly string[], name: string): boolean {
  const lower = name.toLowerCase();
  for (const other of names) if (other.toLowerCase() === lower) return true;
  return false;
}

/**
 * The caller's attributes with `fields` added, in priority order, each only if it fits the
 * room left (the attribute count, the message's bytes, the batch's bytes). A field the caller
 * already set (any case: consumers match names case-insensitively) is theirs and skipped.
 * The caller's map is not changed; a copy is returned.
 */
export function withAttributes(existing: unknown, body: unknown, fields: readonly AttributeField[], entry: EntryRoom = {}): AttributesResult {
  const caller: Json = isObject(existing) ? existing : {};
  const identity = fields[0];
  if (identity === undefined) return { kind: 'written', attributes: caller, shed: [] };
  // Every attribute counts, also two whose names differ only in case.
  const names = Object.keys(caller);
  if (hasName(names, identity.name)) return { kind: 'caller-set' };

  let count = names.length;
  let room = MAX_MESSAGE_BYTES - (entry.size ?? messageBytes(body, caller));
  const { batch } = entry;
  if (batch !== undefined) room = Math.min(room, batch.bytes);
  const attributes: Json = { ...caller };
  const shed: string[] = [];
  let used = 0;
  for (const field of fields) {
    if (field !== identity && (hasName(names, field.name) || attributes[field.name] !== undefined)) continue;
    const bytes = fieldBytes(field);
    if (count >= MAX_MESSAGE_ATTRIBUTES || bytes > room) {
      if (field === identity) return { kind: 'no-room' };
      shed.push(field.name);
      continue;
    }
    attributes[field.name] = field.dataType === 'String' ? { DataType: 'String', StringValue: field.value } : { DataType: 'Binary', BinaryValue: field.value };
    count += 1;
    room -= bytes;
    used += bytes;
  }
  if (batch !== undefined) batch.bytes -= used;
  return { kind: 'written', attributes, shed };
}
