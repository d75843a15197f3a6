/**
 * Minimal, dependency-free protobuf wire-format decoder for OTLP trace exports
 * (`ExportTraceServiceRequest`). Only the messages a trace receiver needs are decoded;
 * unknown fields are skipped, as protobuf requires.
 *
 * Field numbers follow open-telemetry/opentelemetry-proto:
 *   collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 *   common/v1/common.proto, resource/v1/resource.proto.
 *
 * Output is already "JS-shaped": ids are lowercase hex, fixed64 times are bigint,
 * attribute values are plain JS values (see {@link AttributeValue}).
 */

/** A decoded OTLP AnyValue. int64 becomes a number when it is a safe integer, otherwise a bigint. */
export type AttributeValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | undefined // an AnyValue with no member set
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface DecodedStatus {
  code: number;
  message: string;
}

export interface DecodedEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface DecodedLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  traceState: string;
  /** '' when the span is a root (proto3 default for bytes). */
  parentSpanId: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: DecodedEvent[];
  droppedEventsCount: number;
  links: DecodedLink[];
  droppedLinksCount: number;
  status: DecodedStatus;
}

export interface DecodedScope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface DecodedScopeSpans {
  scope: DecodedScope;
  spans: DecodedSpan[];
  schemaUrl: string;
}

export interface DecodedResourceSpans {
  resource: Attributes;
  scopeSpans: DecodedScopeSpans[];
  schemaUrl: string;
}

export interface DecodedTraceRequest {
  resourceSpans: DecodedResourceSpans[];
}

// Wire types (https://protobuf.dev/programming-guides/encoding/#structure).
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

const utf8 = new TextDecoder('utf-8');

class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtobufDecodeError(`truncated message: need ${n} byte(s) at offset ${this.pos} of ${this.buf.length}`);
    }
  }

  tag(): { field: number; wire: number } {
    const t = this.uint32();
    const field = t >>> 3;
    if (field === 0) throw new ProtobufDecodeError(`invalid field number 0 at offset ${this.pos}`);
    return { field, wire: t & 7 };
  }

  /** Varint truncated to its low 32 bits (protobuf semantics for uint32/int32/enum). */
  uint32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      this.need(1);
      b = this.buf[this.pos++]!;
      // Bits beyond 32 are discarded, matching how protobuf narrows 64-bit varints.
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 70) throw new ProtobufDecodeError(`varint too long at offset ${this.pos}`);
    } while (b & 0x80);
    return result >>> 0;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  /** Full 64-bit varint as a signed int64. */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      this.need(1);
      b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw new ProtobufDecodeError(`varint too long at offset ${this.pos}`);
    } while (b & 0x80);
    return BigInt.asIntN(64, result);
  }

  bool(): boolean {
    return this.int64() !== 0n;
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const len = this.uint32();
    this.need(len);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** A length-delimited embedded message as its own reader. */
  message(): Reader {
    return new Reader(this.bytes());
  }

  skip(wire: number, field: number): void {
    switch (wire) {
      case VARINT:
        this.int64();
        return;
      case I64:
        this.need(8);
        this.pos += 8;
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        this.need(4);
        this.pos += 4;
        return;
      case SGROUP: {
        // Deprecated groups: skip nested fields until the matching end-group tag.
        for (;;) {
          const t = this.tag();
          if (t.wire === EGROUP) {
            if (t.field !== field) throw new ProtobufDecodeError(`mismatched end-group for field ${field}`);
            return;
          }
          this.skip(t.wire, t.field);
        }
      }
      default:
        throw new ProtobufDecodeError(`unexpected wire type ${wire} for field ${field} at offset ${this.pos}`);
    }
  }
}

/**
 * Iterates the fields of a message. `handle` returns false when it did not consume
 * the field (unknown field number or unexpected wire type), so it gets skipped.
 */
function eachField(r: Reader, handle: (field: number, wire: number) => boolean): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    if (!handle(field, wire)) r.skip(wire, field);
  }
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** int64 → number when it round-trips exactly, so tests can compare against plain literals. */
export function int64ToJs(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// --- common/v1/common.proto -------------------------------------------------

// AnyValue: 1 string_value, 2 bool_value, 3 int_value (int64), 4 double_value,
//           5 array_value (ArrayValue), 6 kvlist_value (KeyValueList), 7 bytes_value.
function decodeAnyValue(r: Reader): AttributeValue {
  let value: AttributeValue = undefined;
  eachField(r, (field, wire) => {
    if (field === 1 && wire === LEN) value = r.string();
    else if (field === 2 && wire === VARINT) value = r.bool();
    else if (field === 3 && wire === VARINT) value = int64ToJs(r.int64());
    else if (field === 4 && wire === I64) value = r.double();
    else if (field === 5 && wire === LEN) value = decodeArrayValue(r.message());
    else if (field === 6 && wire === LEN) value = decodeKeyValues(r.message(), 1);
    // Copy: the subarray would otherwise pin (and alias) the whole request buffer.
    else if (field === 7 && wire === LEN) value = new Uint8Array(r.bytes());
    else return false;
    return true;
  });
  return value;
}

// ArrayValue: 1 values (repeated AnyValue).
function decodeArrayValue(r: Reader): AttributeValue[] {
  const values: AttributeValue[] = [];
  eachField(r, (field, wire) => {
    if (field !== 1 || wire !== LEN) return false;
    values.push(decodeAnyValue(r.message()));
    return true;
  });
  return values;
}

// KeyValue: 1 key, 2 value (AnyValue).
function decodeKeyValue(r: Reader, into: Attributes): void {
  let key = '';
  let value: AttributeValue = undefined;
  eachField(r, (field, wire) => {
    if (field === 1 && wire === LEN) key = r.string();
    else if (field === 2 && wire === LEN) value = decodeAnyValue(r.message());
    else return false;
    return true;
  });
  into[key] = value;
}

/** Collects every `repeated KeyValue` occurrence of `kvField` in the message into one record. */
function decodeKeyValues(r: Reader, kvField: number): Attributes {
  const out: Attributes = {};
  eachField(r, (field, wire) => {
    if (field !== kvField || wire !== LEN) return false;
    decodeKeyValue(r.message(), out);
    return true;
  });
  return out;
}

// InstrumentationScope: 1 name, 2 version, 3 attributes, 4 dropped_attributes_count.
function decodeScope(r: Reader): DecodedScope {
  const scope: DecodedScope = { name: '', version: '', attributes: {} };
  eachField(r, (field, wire) => {
    if (field === 1 && wire === LEN) scope.name = r.string();
    else if (field === 2 && wire === LEN) scope.version = r.string();
    else if (field === 3 && wire === LEN) decodeKeyValue(r.message(), scope.attributes);
    else return false;
    return true;
  });
  return scope;
}

// --- trace/v1/trace.proto ---------------------------------------------------

// Status: 2 message, 3 code (enum). Field 1 is reserved.
function decodeStatus(r: Reader): DecodedStatus {
  const status: DecodedStatus = { code: 0, message: '' };
  eachField(r, (field, wire) => {
    if (field === 2 && wire === LEN) status.message = r.string();
    else if (field === 3 && wire === VARINT) status.code = r.int32();
    else return false;
    return true;
  });
  return status;
}

// Span.Event: 1 time_unix_nano (fixed64), 2 name, 3 attributes, 4 dropped_attributes_count.
function decodeEvent(r: Reader): DecodedEvent {
  const ev: DecodedEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  eachField(r, (field, wire) => {
    if (field === 1 && wire === I64) ev.timeUnixNano = r.fixed64();
    else if (field === 2 && wire === LEN) ev.name = r.string();
    else if (field === 3 && wire === LEN) decodeKeyValue(r.message(), ev.attributes);
    else if (field === 4 && wire === VARINT) ev.droppedAttributesCount = r.uint32();
    else return false;
    return true;
  });
  return ev;
}

// Span.Link: 1 trace_id, 2 span_id, 3 trace_state, 4 attributes, 5 dropped_attributes_count, 6 flags (fixed32).
function decodeLink(r: Reader): DecodedLink {
  const link: DecodedLink = { traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 };
  eachField(r, (field, wire) => {
    if (field === 1 && wire === LEN) link.traceId = bytesToHex(r.bytes());
    else if (field === 2 && wire === LEN) link.spanId = bytesToHex(r.bytes());
    else if (field === 3 && wire === LEN) link.traceState = r.string();
    else if (field === 4 && wire === LEN) decodeKeyValue(r.message(), link.attributes);
    else if (field === 5 && wire === VARINT) link.droppedAttributesCount = r.uint32();
    else if (field === 6 && wire === I32) link.flags = r.fixed32();
    else return false;
    return true;
  });
  return link;
}

// Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start_time_unix_nano (fixed64),
//       8 end_time_unix_nano (fixed64), 9 attributes, 10 dropped_attributes_count, 11 events,
//       12 dropped_events_count, 13 links, 14 dropped_links_count, 15 status, 16 flags (fixed32).
function decodeSpan(r: Reader): DecodedSpan {
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  eachField(r, (field, wire) => {
    if (field === 1 && wire === LEN) span.traceId = bytesToHex(r.bytes());
    else if (field === 2 && wire === LEN) span.spanId = bytesToHex(r.bytes());
    else if (field === 3 && wire === LEN) span.traceState = r.string();
    else if (field === 4 && wire === LEN) span.parentSpanId = bytesToHex(r.bytes());
    else if (field === 5 && wire === LEN) span.name = r.string();
    else if (field === 6 && wire === VARINT) span.kind = r.int32();
    else if (field === 7 && wire === I64) span.startTimeUnixNano = r.fixed64();
    else if (field === 8 && wire === I64) span.endTimeUnixNano = r.fixed64();
    else if (field === 9 && wire === LEN) decodeKeyValue(r.message(), span.attributes);
    else if (field === 10 && wire === VARINT) span.droppedAttributesCount = r.uint32();
    else if (field === 11 && wire === LEN) span.events.push(decodeEvent(r.message()));
    else if (field === 12 && wire === VARINT) span.droppedEventsCount = r.uint32();
    else if (field === 13 && wire === LEN) span.links.push(decodeLink(r.message()));
    else if (field === 14 && wire === VARINT) span.droppedLinksCount = r.uint32();
    else if (field === 15 && wire === LEN) span.status = decodeStatus(r.message());
    else if (field === 16 && wire === I32) span.flags = r.fixed32();
    else return false;
    return true;
  });
  return span;
}

// ScopeSpans: 1 scope (InstrumentationScope), 2 spans, 3 schema_url.
function decodeScopeSpans(r: Reader): DecodedScopeSpans {
  const ss: DecodedScopeSpans = { scope: { name: '', version: '', attributes: {} }, spans: [], schemaUrl: '' };
  eachField(r, (field, wire) => {
    if (wire !== LEN) return false;
    if (field === 1) ss.scope = decodeScope(r.message());
    else if (field === 2) ss.spans.push(decodeSpan(r.message()));
    else if (field === 3) ss.schemaUrl = r.string();
    else return false;
    return true;
  });
  return ss;
}

// ResourceSpans: 1 resource (Resource: 1 attributes, 2 dropped_attributes_count), 2 scope_spans, 3 schema_url.
function decodeResourceSpans(r: Reader): DecodedResourceSpans {
  const rs: DecodedResourceSpans = { resource: {}, scopeSpans: [], schemaUrl: '' };
  eachField(r, (field, wire) => {
    if (wire !== LEN) return false;
    if (field === 1) rs.resource = decodeKeyValues(r.message(), 1);
    else if (field === 2) rs.scopeSpans.push(decodeScopeSpans(r.message()));
    else if (field === 3) rs.schemaUrl = r.string();
    else return false;
    return true;
  });
  return rs;
}

// --- collector/trace/v1/trace_service.proto ---------------------------------

/** Decodes an OTLP `ExportTraceServiceRequest` (field 1: repeated ResourceSpans). Throws ProtobufDecodeError. */
export function decodeExportTraceServiceRequest(buf: Uint8Array): DecodedTraceRequest {
  const req: DecodedTraceRequest = { resourceSpans: [] };
  const r = new Reader(buf);
  eachField(r, (field, wire) => {
    if (field !== 1 || wire !== LEN) return false;
    req.resourceSpans.push(decodeResourceSpans(r.message()));
    return true;
  });
  return req;
}
