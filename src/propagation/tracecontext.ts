import { trace } from '@opentelemetry/api';
import type { Context, SpanContext, TextMapGetter } from '@opentelemetry/api';
import { TRACE_PARENT_HEADER, TRACE_STATE_HEADER, TraceState, W3CTraceContextPropagator, parseTraceParent } from '@opentelemetry/core';

/*
 * W3C Trace Context, section 3.3.1 (tracestate header field values):
 *   list-member = (key "=" value) / OWS
 *   key   = simple-key / multi-tenant-key
 *   simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 *   multi-tenant-key = tenant-id "@" system-id
 *   tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 *   system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 *   value = 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr ; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
 * and section 3.3.1.1: "There can be a maximum of 32 list-members in a list."
 * "If the vendor failed to parse tracestate, it MUST NOT attempt to propagate the
 * received tracestate" — OTel keeps the valid members instead; the conformance suite's
 * strict level expects the whole header to be discarded, so we do that.
 */
const MAX_MEMBERS = 32;

const isLcAlpha = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isKeyChar = (c: number): boolean =>
  isLcAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f;
const isTenantStart = (c: number): boolean => isLcAlpha(c) || (c >= 0x30 && c <= 0x39);
/** chr: printable ASCII except "," and "=". */
const isValueChar = (c: number): boolean => c >= 0x20 && c <= 0x7e && c !== 0x2c && c !== 0x3d;

/** `[from, to)` is one first character accepted by `first`, then 0..`rest` key characters. */
function isKeyPart(s: string, from: number, to: number, first: (c: number) => boolean, rest: number): boolean {
  if (to - from < 1 || to - from > rest + 1 || !first(s.charCodeAt(from))) return false;
  for (let i = from + 1; i < to; i++) if (!isKeyChar(s.charCodeAt(i))) return false;
  return true;
}

/** One trimmed list-member `[from, to)`: key "=" value. Returns the key's end, or -1. */
function memberKeyEnd(s: string, from: number, to: number): number {
  const eq = s.indexOf('=', from);
  if (eq === -1 || eq >= to) return -1;
  const at = s.indexOf('@', from);
  const keyOk =
    at !== -1 && at < eq
      ? isKeyPart(s, from, at, isTenantStart, 240) && isKeyPart(s, at + 1, eq, isLcAlpha, 13)
      : isKeyPart(s, from, eq, isLcAlpha, 255);
  if (!keyOk || to - eq - 1 < 1 || to - eq - 1 > 256 || s.charCodeAt(to - 1) === 0x20) return -1;
  for (let i = eq + 1; i < to; i++) if (!isValueChar(s.charCodeAt(i))) return -1;
  return eq;
}

const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * True when a raw `tracestate` (one or several header values) is valid as a whole. A scan
 * of character codes rather than a pattern per member: it runs on every invocation that
 * carries a tracestate (test/unit/tracestate.test.ts checks it against the grammar above).
 */
export function isValidTraceState(raw: string | string[]): boolean {
  const s = Array.isArray(raw) ? raw.join(',') : raw;
  const keys: string[] = []; // at most 32: a linear search beats building a set
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf(',', start);
    if (end === -1) end = s.length;
    let from = start;
    let to = end;
    while (from < to && isOws(s.charCodeAt(from))) from++;
    while (to > from && isOws(s.charCodeAt(to - 1))) to--;
    start = end + 1;
    if (from === to) continue; // empty list-members are allowed (OWS)
    const keyEnd = memberKeyEnd(s, from, to);
    if (keyEnd === -1 || keys.length === MAX_MEMBERS) return false;
    const key = s.slice(from, keyEnd);
    if (keys.includes(key)) return false;
    keys.push(key);
  }
  return true;
}

/*
 * A traceparent is read as an HTTP field value: visible ASCII, leading and trailing OWS
 * (space, tab) removed (RFC 9110, section 5.5). OTel's parser instead accepts one character
 * of any whitespace at either end (NBSP, BOM, a line break, a vertical tab) and no more than
 * one space, so we trim OWS ourselves and give it only visible ASCII; OTel still parses.
 */
const VISIBLE_ASCII = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function traceparentValue(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw; // one traceparent header only; OTel reads the first
  if (typeof value !== 'string') return undefined;
  // The common case, a version-00 value of exactly 55 characters, has no room for whitespace
  // or a tail: OTel's pattern alone decides it.
  if (value.length === 55) return value;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  const trimmed = value.slice(start, end);
  return VISIBLE_ASCII.test(trimmed) ? trimmed : undefined;
}

/**
 * OTel's W3C propagator with a `traceparent` trimmed as above and a `tracestate` that has any
 * invalid member discarded whole. Extraction follows OTel's own steps with OTel's parsers
 * (`parseTraceParent`, `TraceState`); only the two rules above are ours. Injection is OTel's.
 */
export class StrictTraceContextPropagator extends W3CTraceContextPropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const spanContext = this.spanContext(carrier, getter);
    return spanContext === undefined ? context : trace.setSpanContext(context, spanContext);
  }

  /** What `extract` would put in the context, without making one (a batch makes one per record). */
  spanContext(carrier: unknown, getter: TextMapGetter): SpanContext | undefined {
    const traceparent = traceparentValue(getter.get(carrier, TRACE_PARENT_HEADER));
    if (traceparent === undefined) return undefined;
    const spanContext = parseTraceParent(traceparent);
    if (spanContext === null) return undefined;
    spanContext.isRemote = true;
    const tracestate = getter.get(carrier, TRACE_STATE_HEADER);
    if (tracestate !== undefined && tracestate !== '' && isValidTraceState(tracestate)) {
      spanContext.traceState = new TraceState(Array.isArray(tracestate) ? tracestate.join(',') : tracestate);
    }
    return spanContext;
  }
}
