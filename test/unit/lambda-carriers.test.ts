import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_CONTEXT_MAX_BYTES,
  EVENT_PAYLOAD_MAX_BYTES,
  decodeClientContext,
  invokedFunction,
  mergeClientContext,
  payloadWithEnvelope,
} from '../../src/clients/lambda-carriers.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const unb64 = (value: string): any => JSON.parse(Buffer.from(value, 'base64').toString('utf8'));

describe('invokedFunction', () => {
  it.each([
    ['my-fn', 'my-fn', undefined],
    ['my-fn:live', 'my-fn', undefined],
    ['my-fn:$LATEST', 'my-fn', undefined],
    ['123456789012:function:my-fn', 'my-fn', undefined],
    ['123456789012:function:my-fn:3', 'my-fn', undefined],
    ['us-west-2:123456789012:function:my-fn', 'my-fn', 'us-west-2'],
    ['arn:aws:lambda:us-west-2:123456789012:function:my-fn', 'my-fn', 'us-west-2'],
    ['arn:aws:lambda:us-west-2:123456789012:function:my-fn:live', 'my-fn', 'us-west-2'],
    ['arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:my.fn_2', 'my.fn_2', 'us-gov-west-1'],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:my-fn', 'my-fn', 'cn-north-1'],
  ])('reads %s as %s in %s', (input, name, region) => {
    expect(invokedFunction(input)).toEqual({ name, region });
  });

  it('uses what does not match AWS’s pattern as given, and nothing for a non-string', () => {
    expect(invokedFunction('not a/function')).toEqual({ name: 'not a/function', region: undefined });
    expect(invokedFunction(undefined)).toBeUndefined();
    expect(invokedFunction(42)).toBeUndefined();
  });
});

describe('mergeClientContext', () => {
  it('adds the fields under custom when the caller gave none', () => {
    const result = mergeClientContext(undefined, { traceparent: TRACEPARENT });

    expect(result).toMatchObject({ kind: 'injected', shed: [] });
    expect(unb64((result as { value: string }).value)).toEqual({ custom: { traceparent: TRACEPARENT } });
  });

  it('keeps the caller’s client, env and custom keys, and replaces only propagation fields', () => {
    const callers = { client: { app_title: 'a' }, env: { locale: 'en' }, custom: { tenant: 'acme', traceparent: 'old' } };

    const result = mergeClientContext(b64(callers), { traceparent: TRACEPARENT });

    expect(unb64((result as { value: string }).value)).toEqual({ ...callers, custom: { tenant: 'acme', traceparent: TRACEPARENT } });
  });

  it('sheds baggage first, then tracestate', () => {
    const fields = { traceparent: TRACEPARENT, tracestate: 'v=' + 's'.repeat(200), baggage: 'k=' + 'b'.repeat(3000) };

    const one = mergeClientContext(undefined, fields);
    const two = mergeClientContext(undefined, fields, 200);

    expect(one).toMatchObject({ kind: 'injected', shed: ['baggage'] });
    expect(Object.keys(unb64((one as { value: string }).value).custom)).toEqual(['traceparent', 'tracestate']);
    expect(two).toMatchObject({ kind: 'injected', shed: ['baggage', 'tracestate'] });
    expect((two as { value: string }).value.length).toBeLessThanOrEqual(200);
  });

  it('reports a caller context that leaves no room, or that it cannot read', () => {
    expect(mergeClientContext(b64({ custom: { x: 'x'.repeat(CLIENT_CONTEXT_MAX_BYTES) } }), { traceparent: TRACEPARENT })).toEqual({ kind: 'too-large' });
    for (const invalid of ['%%%', 'aGVsbG8=', b64([1]), b64({ custom: 'text' }), 42]) {
      expect(mergeClientContext(invalid, { traceparent: TRACEPARENT })).toEqual({ kind: 'invalid' });
    }
  });

  it('never throws, whatever the caller’s ClientContext', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map(b64), fc.anything()), (value) => {
        const result = mergeClientContext(value, { traceparent: TRACEPARENT });
        if (result.kind === 'injected') {
          expect(result.value.length).toBeLessThanOrEqual(CLIENT_CONTEXT_MAX_BYTES);
          expect(unb64(result.value).custom.traceparent).toBe(TRACEPARENT);
        }
        if (decodeClientContext(value) === undefined) expect(result.kind).toBe('invalid');
      }),
    );
  });
});

describe('payloadWithEnvelope', () => {
  const fields = { traceparent: TRACEPARENT };

  it('keeps the caller’s type and bytes, adding only the envelope', () => {
    const text = '{"n": 12345678901234567890}';
    const envelope = `,"_baton":{"traceparent":"${TRACEPARENT}"}`;

    const asString = payloadWithEnvelope(text, fields, EVENT_PAYLOAD_MAX_BYTES);
    const asBuffer = payloadWithEnvelope(Buffer.from(text), fields, EVENT_PAYLOAD_MAX_BYTES);
    const asBytes = payloadWithEnvelope(new TextEncoder().encode(text), fields, EVENT_PAYLOAD_MAX_BYTES);
    const asArrayBuffer = payloadWithEnvelope(new TextEncoder().encode(text).buffer, fields, EVENT_PAYLOAD_MAX_BYTES);

    const expected = `{"n": 12345678901234567890${envelope}}`;
    expect(asString).toEqual({ kind: 'injected', payload: expected, shed: [] });
    expect(Buffer.isBuffer((asBuffer as { payload: unknown }).payload)).toBe(true);
    expect(String((asBuffer as { payload: Buffer }).payload)).toBe(expected);
    const bytes = (asBytes as { payload: Uint8Array }).payload;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(new TextDecoder().decode(bytes)).toBe(expected);
    const buffer = (asArrayBuffer as { payload: ArrayBuffer }).payload;
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(new TextDecoder().decode(buffer)).toBe(expected);
  });

  it('leaves what is not a JSON object, what it cannot read, and a caller’s own envelope', () => {
    for (const payload of [undefined, '', '[]', '"{}"', '{', 'null', new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), new Uint8Array([0xc3, 0x28])]) {
      expect(payloadWithEnvelope(payload, fields, EVENT_PAYLOAD_MAX_BYTES)).toEqual({ kind: 'not-object' });
    }
    expect(payloadWithEnvelope(new DataView(new ArrayBuffer(2)), fields, EVENT_PAYLOAD_MAX_BYTES)).toEqual({ kind: 'unreadable' });
    expect(payloadWithEnvelope({ pipe() {} }, fields, EVENT_PAYLOAD_MAX_BYTES)).toEqual({ kind: 'unreadable' });
    expect(payloadWithEnvelope('{"_baton":{}}', fields, EVENT_PAYLOAD_MAX_BYTES)).toEqual({ kind: 'has-envelope', key: '_baton' });
  });

  it('sheds to stay within the payload limit, and gives up rather than pass it', () => {
    const payload = `{"a":"${'x'.repeat(100)}"}`;
    const big = { ...fields, baggage: 'k=' + 'b'.repeat(500) };

    expect(payloadWithEnvelope(payload, big, payload.length + 120)).toMatchObject({ kind: 'injected', shed: ['baggage'] });
    expect(payloadWithEnvelope(payload, big, payload.length + 10)).toEqual({ kind: 'too-large' });
  });

  it('never throws, and any JSON object comes back as itself plus the envelope', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const result = payloadWithEnvelope(text, fields, EVENT_PAYLOAD_MAX_BYTES);
        const isPlainObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        if (!isPlainObject) {
          expect(result.kind).toBe('not-object');
          return;
        }
        if (Object.prototype.hasOwnProperty.call(value, '_baton')) {
          expect(result.kind).toBe('has-envelope');
          return;
        }
        expect(result.kind).toBe('injected');
        expect(JSON.parse((result as { payload: string }).payload)).toEqual({ ...JSON.parse(text), _baton: fields });
      }),
    );
  });
});

describe('payloadWithEnvelope, Datadog’s fields beside the envelope', () => {
  const datadog = { 'x-datadog-trace-id': '9532127138774266268', 'x-datadog-parent-id': '13235353014750950193', 'x-datadog-sampling-priority': '1', 'x-datadog-tags': '_dd.p.tid=0af7651916cd43dd' };
  const fields = { traceparent: TRACEPARENT, ...datadog };
  const beside = { datadogBeside: true } as const;
  const injected = (result: ReturnType<typeof payloadWithEnvelope>): any => JSON.parse((result as { payload: string }).payload);

  it('writes `_datadog` beside `_baton`, where Datadog reads it, and keeps it out of `_baton`; without the option, all go in `_baton`', () => {
    const result = payloadWithEnvelope('{"order":1}', fields, EVENT_PAYLOAD_MAX_BYTES, beside);
    expect(result).toEqual({ kind: 'injected', payload: `{"order":1,"_baton":{"traceparent":"${TRACEPARENT}"},"_datadog":${JSON.stringify(datadog)}}`, shed: [] });
    expect(injected(payloadWithEnvelope('{"order":1}', fields, EVENT_PAYLOAD_MAX_BYTES))).toEqual({ order: 1, _baton: fields });
  });

  it('Datadog alone: only `_datadog`; a caller’s own `_datadog` is kept (then, alone, nothing is written)', () => {
    expect(injected(payloadWithEnvelope('{}', datadog, EVENT_PAYLOAD_MAX_BYTES, beside))).toEqual({ _datadog: datadog });
    expect(injected(payloadWithEnvelope('{"_datadog":{"mine":"1"}}', fields, EVENT_PAYLOAD_MAX_BYTES, beside))).toEqual({ _datadog: { mine: '1' }, _baton: { traceparent: TRACEPARENT } });
    expect(payloadWithEnvelope('{"_datadog":{"mine":"1"}}', datadog, EVENT_PAYLOAD_MAX_BYTES, beside)).toEqual({ kind: 'has-envelope', key: '_datadog' });
    expect(payloadWithEnvelope('{"_baton":{}}', fields, EVENT_PAYLOAD_MAX_BYTES, beside)).toEqual({ kind: 'has-envelope', key: '_baton' });
  });

  it('sheds baggage, then tracestate, then `_datadog`, keeping the trace identity', () => {
    const payload = '{"a":1}';
    const all = { ...fields, tracestate: 'v=' + 't'.repeat(100), baggage: 'k=' + 'b'.repeat(300) };
    const size = (result: ReturnType<typeof payloadWithEnvelope>): number => Buffer.byteLength((result as { payload: string }).payload);
    const full = payloadWithEnvelope(payload, all, EVENT_PAYLOAD_MAX_BYTES, beside);
    const noBaggage = payloadWithEnvelope(payload, all, size(full) - 1, beside);
    expect(noBaggage).toMatchObject({ kind: 'injected', shed: ['baggage'] });
    const noTracestate = payloadWithEnvelope(payload, all, size(noBaggage) - 1, beside);
    expect(noTracestate).toMatchObject({ kind: 'injected', shed: ['baggage', 'tracestate'] });
    expect(injected(noTracestate)._datadog).toEqual(datadog);
    const identity = payloadWithEnvelope(payload, all, size(noTracestate) - 1, beside);
    expect(identity).toMatchObject({ kind: 'injected', shed: ['baggage', 'tracestate', '_datadog'] });
    expect(injected(identity)).toEqual({ a: 1, _baton: { traceparent: TRACEPARENT } });
    expect(payloadWithEnvelope(payload, all, size(identity) - 1, beside)).toEqual({ kind: 'too-large' });
  });
});
