import { ROOT_CONTEXT, baggageEntryMetadataFromString, defaultTextMapGetter, defaultTextMapSetter, propagation, trace } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { inspectEvent } from '../../src/inspect.js';
import { BAGGAGE_MAX_BYTES, SpecBaggagePropagator } from '../../src/propagation/baggage.js';
import { createPropagation } from '../../src/propagation/propagators.js';
import { LineageXRayPropagator } from '../../src/propagation/xray.js';
import { loadEvent } from '../support/fixtures.js';
import { useDiagnostics } from '../support/diagnostics.js';

// The three formats in apigw-http/all-formats.json name three different spans.
const W3C = { traceId: '0a020003000500000000000000000001', spanId: '0a02000300050001' };
const B3 = { traceId: '0a02b301000500000000000000000001', spanId: '0a02b30100050001' };
const XRAY = { traceId: '0a02a7a7000500000000000000000001', spanId: '0a02a7a700050001' };

const TRACEPARENT = '00-0e010003000100000000000000000001-0e01000300010001-01';
const ENV_XRAY = 'Root=1-0e01a7a7-000100000000000000000001;Parent=0e01a7a700010001;Sampled=0;Lineage=a87bd80c:3';
const ENV_SPAN = { traceId: '0e01a7a7000100000000000000000001', spanId: '0e01a7a700010001' };

const diagnostics = useDiagnostics();

/** An HTTP API event whose only context is `headers`. */
function httpEvent(headers: Record<string, unknown>): any {
  const event = loadEvent('apigw-http', 'no-context');
  event.headers = { host: event.headers.host, ...headers };
  return event;
}

/** A REST API event with only the given maps (either may be omitted). */
function restEvent(headers: Record<string, unknown> | undefined, multiValueHeaders: Record<string, unknown> | undefined): any {
  const event = loadEvent('apigw-rest', 'no-context');
  delete event.headers;
  delete event.multiValueHeaders;
  if (headers !== undefined) event.headers = headers;
  if (multiValueHeaders !== undefined) event.multiValueHeaders = multiValueHeaders;
  return event;
}

describe('precedence between W3C, B3 and X-Ray', () => {
  it('takes the W3C context by default when an event carries all three', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, {});
    expect(result.parent).toMatchObject({ ...W3C, source: 'apigw-http.headers.traceparent' });
  });

  it('takes the B3 context when OTEL_PROPAGATORS is b3,tracecontext', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, { OTEL_PROPAGATORS: 'b3,tracecontext' });
    expect(result.parent).toMatchObject({ ...B3, source: 'apigw-http.headers.b3' });
  });

  it('takes the X-Ray context when OTEL_PROPAGATORS is xray,tracecontext', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, { OTEL_PROPAGATORS: 'xray,tracecontext' });
    expect(result.parent).toMatchObject({ ...XRAY, source: 'apigw-http.headers.x-amzn-trace-id' });
  });

  it('lets the propagators option in code win over OTEL_PROPAGATORS', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, { OTEL_PROPAGATORS: 'b3,tracecontext' }, { propagators: ['xray', 'tracecontext'] });
    expect(result.parent).toMatchObject(XRAY);
  });

  it('falls back to the next propagator when the first finds nothing', () => {
    const event = loadEvent('apigw-http', 'all-formats');
    delete event.headers.b3;
    delete event.headers['x-b3-traceid'];
    const result = inspectEvent(event, {}, { OTEL_PROPAGATORS: 'b3,tracecontext' });
    expect(result.parent).toMatchObject(W3C);
  });

  it('reads no context at all with OTEL_PROPAGATORS=none', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, { OTEL_PROPAGATORS: 'none', _X_AMZN_TRACE_ID: ENV_XRAY });
    expect(result.parent).toBeNull();
    expect(result.links).toEqual([]);
  });

  it('ignores unknown propagator names with one diagnostic, and uses the known ones', () => {
    const env = { OTEL_PROPAGATORS: 'jaeger, b3 ,tracecontext' };
    const first = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, env);
    const second = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, env);
    expect(first.parent).toMatchObject(B3);
    expect(second.parent).toMatchObject(B3);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain('"jaeger"');
  });

  it('uses the defaults when OTEL_PROPAGATORS names only unknown propagators', () => {
    const result = inspectEvent(loadEvent('apigw-http', 'all-formats'), {}, { OTEL_PROPAGATORS: 'jaeger,ottrace' });
    expect(result.parent).toMatchObject(W3C);
    expect(diagnostics).toHaveLength(2);
  });
});

describe('the function’s own X-Ray header (_X_AMZN_TRACE_ID)', () => {
  it('is a link, not the parent, by default', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY });
    expect(result.parent).toMatchObject({ traceId: '0e010003000100000000000000000001', source: 'apigw-http.headers.traceparent' });
    expect(result.links).toHaveLength(1);
    expect(result.links[0]).toMatchObject({ ...ENV_SPAN, source: 'env._X_AMZN_TRACE_ID', attributes: { 'baton.link.source': 'xray-environment' } });
  });

  it('is a link even when the event carries no context', () => {
    const result = inspectEvent(httpEvent({}), {}, { _X_AMZN_TRACE_ID: ENV_XRAY });
    expect(result.parent).toBeNull();
    expect(result.links).toEqual([expect.objectContaining(ENV_SPAN)]);
  });

  it('does not un-sample the W3C parent when it says Sampled=0', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY });
    expect(result.parent?.sampled).toBe(true);
    expect(result.links[0]?.sampled).toBe(false);
  });

  for (const [name, env] of [
    ['BATON_XRAY_PARENT=true', { BATON_XRAY_PARENT: 'true' }],
    ['OTEL_PROPAGATORS=tracecontext,xray-lambda', { OTEL_PROPAGATORS: 'tracecontext,xray-lambda' }],
  ] as const) {
    it(`is the parent with ${name}, and the event’s own context becomes a link`, () => {
      const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT }), {}, { ...env, _X_AMZN_TRACE_ID: ENV_XRAY });
      expect(result.parent).toMatchObject({ ...ENV_SPAN, sampled: false, source: 'env._X_AMZN_TRACE_ID', lineage: 'a87bd80c:3' });
      expect(result.links).toHaveLength(1);
      expect(result.links[0]).toMatchObject({
        traceId: '0e010003000100000000000000000001',
        source: 'apigw-http.headers.traceparent',
        attributes: { 'baton.link.source': 'event' },
      });
    });
  }

  it('is the parent when the option xrayEnvironmentAsParent is set in code', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY }, { xrayEnvironmentAsParent: true });
    expect(result.parent).toMatchObject(ENV_SPAN);
  });

  it('as the parent, leaves the invocation the event’s baggage (the environment’s header carries none)', () => {
    const withContext = inspectEvent(httpEvent({ traceparent: TRACEPARENT, baggage: 'tenant=acme' }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY }, { xrayEnvironmentAsParent: true });
    const baggageOnly = inspectEvent(httpEvent({ baggage: 'tenant=acme' }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY }, { xrayEnvironmentAsParent: true });
    // An SQS message whose attributes hold only baggage and whose AWSTraceHeader names the sender.
    const message = loadEvent('sqs', 'baggage-only');
    message.Records[0].attributes.AWSTraceHeader = 'Root=1-0e01a7a7-000200000000000000000001;Parent=0e01a7a700020001;Sampled=1';
    const fromTwoCarriers = inspectEvent(message, {}, { _X_AMZN_TRACE_ID: ENV_XRAY }, { xrayEnvironmentAsParent: true });
    for (const result of [withContext, baggageOnly, fromTwoCarriers]) {
      expect(result.parent).toMatchObject(ENV_SPAN);
      expect({ ...result.baggage }).toEqual({ tenant: 'acme' });
    }
  });

  it('adds no duplicate link when it names the same span as the event, by default or as the parent', () => {
    const sameSpan = `00-${ENV_SPAN.traceId}-${ENV_SPAN.spanId}-01`;
    const byDefault = inspectEvent(httpEvent({ traceparent: sameSpan }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY });
    const asParent = inspectEvent(httpEvent({ traceparent: sameSpan }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY, BATON_XRAY_PARENT: 'true' });
    expect(byDefault.parent).toMatchObject({ ...ENV_SPAN, source: 'apigw-http.headers.traceparent' });
    expect(byDefault.links).toEqual([]);
    expect(asParent.parent).toMatchObject({ ...ENV_SPAN, source: 'env._X_AMZN_TRACE_ID' });
    expect(asParent.links).toEqual([]);
  });

  it('is not read when the configured propagators do not include X-Ray', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT }), {}, { _X_AMZN_TRACE_ID: ENV_XRAY, OTEL_PROPAGATORS: 'tracecontext' });
    expect(result.links).toEqual([]);
  });
});

describe('X-Ray Lineage', () => {
  const HEADER = 'Root=1-0e01a7a7-000200000000000000000001;Parent=0e01a7a700020001;Sampled=1;Lineage=a87bd80c:2';

  it('keeps the Lineage of an X-Ray parent', () => {
    const result = inspectEvent(httpEvent({ 'X-Amzn-Trace-Id': HEADER }), {}, {});
    expect(result.parent).toMatchObject({ traceId: '0e01a7a7000200000000000000000001', lineage: 'a87bd80c:2' });
  });

  it('keeps the Lineage of an SQS AWSTraceHeader', () => {
    const event = loadEvent('sqs', 'xray-fallback');
    event.Records[0].attributes.AWSTraceHeader = HEADER;
    expect(inspectEvent(event, {}, {}).records?.[0]).toMatchObject({ lineage: 'a87bd80c:2' });
  });

  it('writes ;Lineage= back when it injects the X-Ray header', () => {
    const propagator = new LineageXRayPropagator();
    const extracted = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': HEADER }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    propagator.inject(extracted, carrier, defaultTextMapSetter);
    expect(carrier['x-amzn-trace-id']).toBe('Root=1-0e01a7a7-000200000000000000000001;Parent=0e01a7a700020001;Sampled=1;Lineage=a87bd80c:2');
  });

  it('writes ;Lineage= back through the injector built from OTEL_PROPAGATORS=xray', () => {
    const { injector } = createPropagation(['xray']);
    const extracted = new LineageXRayPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': HEADER }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    injector.inject(extracted, carrier, defaultTextMapSetter);
    expect(carrier['x-amzn-trace-id']).toMatch(/;Lineage=a87bd80c:2$/);
  });

  it('writes no Lineage when the context had none', () => {
    const propagator = new LineageXRayPropagator();
    const extracted = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': HEADER.replace(';Lineage=a87bd80c:2', '') }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    propagator.inject(extracted, carrier, defaultTextMapSetter);
    expect(carrier['x-amzn-trace-id']).not.toContain('Lineage');
  });
});

/*
 * W3C Trace Context, section 3.3.1.1, as quoted in src/propagation/tracecontext.ts:
 *   "There can be a maximum of 32 list-members in a list."
 *   "If the vendor failed to parse tracestate, it MUST NOT attempt to propagate the
 *    received tracestate"
 * OTel keeps the members it can parse; we discard the whole header and keep traceparent.
 */
describe('tracestate: "If the vendor failed to parse tracestate, it MUST NOT attempt to propagate the received tracestate"', () => {
  const members = (n: number): string => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join(',');
  const invalid: [string, string][] = [
    ['an invalid key', 'Rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'],
    ['an invalid value', 'rojo=00f0=67aa,congo=t61rcWkgMzE'],
    ['a non-ASCII value', 'rojo=caf\u00e9,congo=t61rcWkgMzE'],
    ['a member without "="', 'rojo,congo=t61rcWkgMzE'],
    ['a key that starts with "@"', '@rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'],
    ['a 257-character key', `${'z'.repeat(257)}=1,congo=t61rcWkgMzE`],
    ['33 members', members(33)],
  ];

  for (const [name, tracestate] of invalid) {
    it(`discards the whole tracestate with ${name}, and keeps the traceparent`, () => {
      const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate }), {}, {});
      expect(result.parent).toMatchObject({ traceId: '0e010003000100000000000000000001', spanId: '0e01000300010001' });
      expect(result.parent?.tracestate).toBeUndefined();
    });

    it(`differs from OTel alone, which keeps the valid members of a tracestate with ${name}`, () => {
      const context = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent: TRACEPARENT, tracestate }, defaultTextMapGetter);
      expect(trace.getSpanContext(context)?.traceState?.serialize()).not.toBe('');
      expect(trace.getSpanContext(context)?.traceState?.serialize()).toBeDefined();
    });
  }

  it('keeps a valid tracestate with optional whitespace and empty members', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate: ' rojo=00f067aa0ba902b7 ,, \t,congo=t61rcWkgMzE\t,' }), {}, {});
    expect(result.parent?.tracestate).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });

  // w3c/trace-context test/test.py, test_tracestate_duplicated_keys: "expects the tracestate
  // to be inherited, and the duplicated keys to be either kept as-is or one of them to be
  // discarded"; the specification, section 3.5: "vendors MAY also discard duplicate keys that
  // were not generated by them".
  it('inherits a tracestate with a duplicated key, keeping the key once', () => {
    const joined = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate: 'foo=1,rojo=00f067aa0ba902b7,foo=2' }), {}, {});
    expect(joined.parent?.tracestate).toBe('foo=1,rojo=00f067aa0ba902b7');
    const twoHeaders = inspectEvent(restEvent(undefined, { traceparent: [TRACEPARENT], tracestate: ['foo=1', 'foo=1'] }), {}, {});
    expect(twoHeaders.parent?.tracestate).toBe('foo=1');
  });

  // The key grammar since June 2026: key = ( lcalpha / DIGIT ) 0*255 ( keychar ), with "@"
  // a keychar; test_tracestate_key_illegal_vendor_format: "expects keys that follow the key
  // grammar to be inherited".
  it('inherits keys with "@" anywhere after the first character, a leading digit and 256 characters', () => {
    const tracestate = `foo@=1,foo@@bar=2,t@${'v'.repeat(15)}=3,0rojo=4,${'z'.repeat(256)}=5`;
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate }), {}, {});
    expect(result.parent?.tracestate).toBe(tracestate);
  });

  it('writes an inherited tracestate with those keys on downstream headers', () => {
    const { injector } = createPropagation(undefined);
    const tracestate = 'foo@=1,foo@@bar=2,rojo=00f067aa0ba902b7';
    const extracted = createPropagation(undefined).extractors[0]!.propagator.extract(
      ROOT_CONTEXT,
      { traceparent: TRACEPARENT, tracestate },
      defaultTextMapGetter,
    );
    const headers: Record<string, string> = {};
    injector.inject(extracted, headers, defaultTextMapSetter);
    expect(headers['tracestate']).toBe(tracestate);
  });

  it('keeps a valid tracestate of exactly 32 members, and multi-tenant keys', () => {
    const full = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate: members(32) }), {}, {});
    const tenant = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate: 'fw529a3039@dt=r2d2,rojo=1' }), {}, {});
    expect(full.parent?.tracestate?.split(',')).toHaveLength(32);
    expect(tenant.parent?.tracestate).toBe('fw529a3039@dt=r2d2,rojo=1');
  });
});

/*
 * W3C Baggage, section 3.3.1 (Limits), as quoted in src/propagation/baggage.ts:
 *   "a platform MUST propagate all list-members ... up to at least 64 list-members ...
 *    and at least 8192 bytes" and "if a platform cannot propagate all baggage, it MUST NOT
 *    propagate any partial list-members".
 * There is no per-member limit; OTel drops members over 4,096 bytes.
 */
describe('baggage: "if a platform cannot propagate all baggage, it MUST NOT propagate any partial list-members"', () => {
  const big = `big=${'x'.repeat(5996)}`; // a 6,000-byte member
  const extract = (propagator: W3CBaggagePropagator, header: string | string[]) =>
    propagation.getBaggage(propagator.extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter));
  const inject = (entries: Record<string, { value: string; metadata?: ReturnType<typeof baggageEntryMetadataFromString> }>) => {
    const carrier: Record<string, string> = {};
    new SpecBaggagePropagator().inject(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(entries)), carrier, defaultTextMapSetter);
    return carrier['baggage'];
  };

  it('extracts a 6,000-byte member', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT, baggage: `tenant=acme,${big}` }), {}, {});
    expect(result.baggage['big']).toHaveLength(5996);
    expect(result.baggage['tenant']).toBe('acme');
  });

  it('differs from OTel’s W3CBaggagePropagator alone, which drops the 6,000-byte member', () => {
    const baggage = extract(new W3CBaggagePropagator(), `tenant=acme,${big}`);
    expect(baggage?.getEntry('big')).toBeUndefined();
    expect(baggage?.getEntry('tenant')?.value).toBe('acme');
  });

  it('keeps only whole members of a header over 8,192 bytes', () => {
    const values = ['a'.repeat(4000), 'b'.repeat(4000), 'c'.repeat(4000)];
    for (const header of [values.map((v, i) => `m${i}=${v}`).join(','), `${big},small=${'s'.repeat(3000)}`, `small=${'s'.repeat(3000)},${big}`]) {
      const baggage = extract(new SpecBaggagePropagator(), header);
      const kept = baggage?.getAllEntries() ?? [];
      const original = new Map(header.split(',').map((m) => m.split('=') as [string, string]));
      for (const [key, entry] of kept) expect(entry.value).toBe(original.get(key));
      expect(kept.reduce((sum, [key, entry]) => sum + key.length + 1 + entry.value.length, kept.length - 1)).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
    }
    expect(extract(new SpecBaggagePropagator(), values.map((v, i) => `m${i}=${v}`).join(','))?.getAllEntries().map(([k]) => k)).toEqual(['m0', 'm1']);
  });

  it('injects a 6,000-byte member', () => {
    const header = inject({ tenant: { value: 'acme' }, big: { value: 'x'.repeat(5996) } });
    expect(header).toBe(`tenant=acme,${big}`);
  });

  it('never injects more than 8,192 bytes, and only whole members', () => {
    const entry = fc.record({
      key: fc.string({ minLength: 1, maxLength: 20 }),
      value: fc.oneof(fc.string({ maxLength: 50 }), fc.string({ minLength: 1000, maxLength: 7000 }), fc.string({ unit: 'grapheme', maxLength: 30 })),
      // Metadata is kept as received, so it may hold non-ASCII text that takes more bytes than characters.
      metadata: fc.option(fc.oneof(fc.constantFrom('prop=1', 'ttl=30;secret', 'p'), fc.constant('é'.repeat(3000)))),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (list) => {
        const entries = Object.fromEntries(
          list.map(({ key, value, metadata }) => [key, metadata === null ? { value } : { value, metadata: baggageEntryMetadataFromString(metadata) }]),
        );
        const header = inject(entries);
        if (header === undefined) return;
        expect(Buffer.byteLength(header, 'utf8')).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
        for (const member of header.split(',')) {
          const [pair = ''] = member.split(';');
          const eq = pair.indexOf('=');
          const key = decodeURIComponent(pair.slice(0, eq));
          expect(Object.prototype.hasOwnProperty.call(entries, key)).toBe(true);
          expect(decodeURIComponent(pair.slice(eq + 1))).toBe(entries[key]?.value);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on inject, even for a value that cannot be percent-encoded', () => {
    const header = inject({ lone: { value: 'a\ud800b' }, tenant: { value: 'acme' } });
    expect(header).toBe('tenant=acme');
  });

  it('does not make a later inject throw when the extracted header held an unpaired surrogate', () => {
    const extracted = new SpecBaggagePropagator().extract(ROOT_CONTEXT, { baggage: 'lone=\ud800,tenant=acme' }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    expect(() => new SpecBaggagePropagator().inject(extracted, carrier, defaultTextMapSetter)).not.toThrow();
    expect(carrier['baggage']).toBe('tenant=acme');
  });

  it('keeps member metadata (;prop=1) through extract and inject, for small and large members', () => {
    const extracted = new SpecBaggagePropagator().extract(ROOT_CONTEXT, { baggage: `tenant=acme;prop=1,${big};prop=1` }, defaultTextMapGetter);
    expect(propagation.getBaggage(extracted)?.getEntry('tenant')?.metadata?.toString()).toBe('prop=1');
    expect(propagation.getBaggage(extracted)?.getEntry('big')?.metadata?.toString()).toBe('prop=1');
    const carrier: Record<string, string> = {};
    new SpecBaggagePropagator().inject(extracted, carrier, defaultTextMapSetter);
    expect(carrier['baggage']).toBe(`tenant=acme;prop=1,${big};prop=1`);
  });
});

describe('header names and repeated headers', () => {
  it('matches header names case-insensitively and names the spelling it found', () => {
    const result = inspectEvent(restEvent({ TRACEPARENT: TRACEPARENT, TraceState: 'rojo=1', BAGGAGE: 'tenant=acme' }, undefined), {}, {});
    expect(result.parent).toMatchObject({ traceId: '0e010003000100000000000000000001', source: 'apigw-rest.headers.TRACEPARENT', tracestate: 'rojo=1' });
    expect({ ...result.baggage }).toEqual({ tenant: 'acme' });
  });

  // w3c/trace-context test/test.py, test_traceparent_duplicated: "harness sends a request
  // with two traceparent headers; expects a valid traceparent from the output header, with a
  // newly generated trace_id".
  describe('two traceparent values for one request start a new trace', () => {
    const second = '00-0e010003000100000000000000000002-0e01000300010002-01';

    it('in API Gateway REST multiValueHeaders, though headers holds the last one alone', () => {
      const result = inspectEvent(restEvent({ traceparent: second }, { TraceParent: [TRACEPARENT, second] }), {}, {});
      expect(result.parent).toBeNull();
    });

    it('in ALB multiValueHeaders, even when both values are the same', () => {
      const event = loadEvent('alb', 'multi-value');
      event.multiValueHeaders.traceparent = [TRACEPARENT, TRACEPARENT];
      expect(inspectEvent(event, {}, {}).parent).toBeNull();
    });

    it('in one comma-joined header, as HTTP APIs deliver a repeated header', () => {
      for (const joined of [`${TRACEPARENT},${second}`, `${TRACEPARENT}, ${second}`, `${TRACEPARENT},${TRACEPARENT}`]) {
        expect(inspectEvent(httpEvent({ traceparent: joined }), {}, {}).parent, joined).toBeNull();
      }
    });

    it('in the real-shaped REST and ALB events that repeat traceparent', () => {
      expect(inspectEvent(loadEvent('apigw-rest', 'multi-value'), {}, {}).parent).toBeNull();
      expect(inspectEvent(loadEvent('alb', 'multi-value'), {}, {}).parent).toBeNull();
    });

    it('for any two or more valid values, as separate headers or comma-joined, while one alone is the parent', () => {
      const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: n, maxLength: n });
      const traceparent = fc
        .tuple(hex(32), hex(16), fc.constantFrom('00', '01', '02', '03'))
        .filter(([t, s]) => /[^0]/.test(t) && /[^0]/.test(s))
        .map(([t, s, f]) => `00-${t}-${s}-${f}`);
      fc.assert(
        fc.property(fc.array(traceparent, { minLength: 2, maxLength: 4 }), fc.constantFrom(',', ', ', ' , ', ',\t'), (values, comma) => {
          expect(inspectEvent(restEvent(undefined, { traceparent: values }), {}, {}).parent).toBeNull();
          expect(inspectEvent(httpEvent({ traceparent: values.join(comma) }), {}, {}).parent).toBeNull();
          expect(inspectEvent(restEvent(undefined, { traceparent: values.slice(0, 1) }), {}, {}).parent).not.toBeNull();
        }),
        { numRuns: 300 },
      );
    });

    it('while one value in multiValueHeaders is still the parent', () => {
      const result = inspectEvent(restEvent({ traceparent: second }, { TraceParent: [TRACEPARENT] }), {}, {});
      expect(result.parent).toMatchObject({ spanId: '0e01000300010001', source: 'apigw-rest.multiValueHeaders.TraceParent' });
    });
  });

  it('combines a tracestate and a baggage sent as two headers', () => {
    const result = inspectEvent(
      restEvent(undefined, { traceparent: [TRACEPARENT], tracestate: ['rojo=00f067aa0ba902b7', 'congo=t61rcWkgMzE'], baggage: ['tenant=acme', 'plan=gold'] }),
      {},
      {},
    );
    expect(result.parent?.tracestate).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect({ ...result.baggage }).toEqual({ tenant: 'acme', plan: 'gold' });
  });

  it('discards a combined tracestate when one of its headers is invalid, as one list', () => {
    const invalid = inspectEvent(restEvent(undefined, { traceparent: [TRACEPARENT], tracestate: ['rojo=1', 'Rojo=2'] }), {}, {});
    expect(invalid.parent).not.toBeNull();
    expect(invalid.parent?.tracestate).toBeUndefined();
  });

  it('combines a comma-joined tracestate the way HTTP APIs deliver repeated headers', () => {
    const result = inspectEvent(httpEvent({ traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' }), {}, {});
    expect(result.parent?.tracestate).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });
});
