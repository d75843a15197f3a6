import { trace } from '@opentelemetry/api';
import type { Context, TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

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
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_MEMBERS = 32;

/** True when a raw `tracestate` (one or several header values) is valid as a whole. */
export function isValidTraceState(raw: string | string[]): boolean {
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  const seen = new Set<string>();
  for (const part of joined.split(',')) {
    const member = part.trim();
    if (member === '') continue; // empty list-members are allowed (OWS)
    const eq = member.indexOf('=');
    if (eq <= 0) return false;
    const key = member.slice(0, eq);
    if (!KEY.test(key) || !VALUE.test(member.slice(eq + 1)) || seen.has(key)) return false;
    seen.add(key);
    if (seen.size > MAX_MEMBERS) return false;
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
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  const trimmed = value.slice(start, end);
  return VISIBLE_ASCII.test(trimmed) ? trimmed : undefined;
}

/** The carrier's getter with `traceparent` trimmed as above; one per getter, made once. */
const trimmingGetters = new WeakMap<TextMapGetter, TextMapGetter>();

function trimming(getter: TextMapGetter): TextMapGetter {
  let wrapped = trimmingGetters.get(getter);
  if (wrapped === undefined) {
    wrapped = {
      keys: (c) => getter.keys(c),
      get: (c, key) => (key === 'traceparent' ? traceparentValue(getter.get(c, key)) : getter.get(c, key)),
    };
    trimmingGetters.set(getter, wrapped);
  }
  return wrapped;
}

/** OTel's W3C propagator, with a `tracestate` that has any invalid member discarded whole. */
export class StrictTraceContextPropagator extends W3CTraceContextPropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = super.extract(context, carrier, trimming(getter));
    const span = trace.getSpan(extracted);
    if (span === undefined || span === trace.getSpan(context)) return extracted;
    const spanContext = span.spanContext();
    if (spanContext.traceState === undefined) return extracted;
    const raw = getter.get(carrier, 'tracestate');
    if (raw === undefined || isValidTraceState(raw)) return extracted;
    return trace.setSpanContext(context, { ...spanContext, traceState: undefined });
  }
}
