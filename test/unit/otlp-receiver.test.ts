import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

type Encoding = 'json' | 'protobuf';
type ExporterOptions = { headers?: Record<string, string>; compression?: CompressionAlgorithm; timeoutMillis?: number };

const receivers: OtlpReceiver[] = [];
const exporters: SpanExporter[] = [];

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  receivers.push(r);
  return r;
}

function exporter(encoding: Encoding, r: OtlpReceiver, options: ExporterOptions = {}): SpanExporter {
  const config = { url: r.tracesUrl, ...options };
  const e = encoding === 'json' ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
  exporters.push(e);
  return e;
}

afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function exportSpans(e: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => e.export(spans, resolve));
}

const nanos = (t: readonly [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

const RESOURCE = { 'service.name': 'otlp-receiver-test', 'faas.max_memory': 1024, 'cloud.provider': 'aws' };

const ROOT_ATTRIBUTES = {
  'attr.string': 'hello',
  'attr.unicode': 'héllo ✓ 🚀',
  'attr.int': 42,
  'attr.negative': -42, // 10-byte varint on the protobuf wire
  'attr.large': 2 ** 40, // beyond 32 bits
  'attr.bool': true,
  'attr.false': false,
  'attr.double': 3.25,
  'attr.strings': ['a', 'b'],
  'attr.ints': [1, 2, 3],
  'attr.bools': [true, false],
  'attr.doubles': [1.5, -0.25],
};

/**
 * Produces a small trace covering every span kind, attribute types, an event, a link and
 * both non-unset statuses, exported through `extra` processors plus an in-memory ground truth.
 */
async function produceTrace(extra: SpanExporter[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    spanProcessors: [...extra, memory].map((exporter) => new SimpleSpanProcessor({ exporter })),
  });
  const tracer = provider.getTracer('otlp-receiver-test', '1.2.3');

  const producer = tracer.startSpan('producer', { kind: SpanKind.PRODUCER });
  producer.end();

  const root = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: ROOT_ATTRIBUTES });
  root.addEvent('checkpoint', { 'event.string': 'e', 'event.int': 7, 'event.double': 0.5 });
  root.addEvent('bare');
  const parent = trace.setSpan(context.active(), root);

  const client = tracer.startSpan(
    'client',
    { kind: SpanKind.CLIENT, links: [{ context: producer.spanContext(), attributes: { 'link.reason': 'batch', 'link.n': 3 } }] },
    parent,
  );
  client.setStatus({ code: SpanStatusCode.OK });
  client.end();
  tracer.startSpan('consumer', { kind: SpanKind.CONSUMER }, parent).end();
  tracer.startSpan('internal', {}, parent).end();

  root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  root.end();

  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** What the receiver should report for an SDK span, derived independently of the receiver. */
function expected(s: ReadableSpan): ReceivedSpan {
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    // OTLP SpanFlags: the W3C trace flags in bits 0-7, bit 8 "has is-remote", bit 9 "is remote".
    flags: (s.spanContext().traceFlags & 0xff) | 0x100 | (s.parentSpanContext?.isRemote === true ? 0x200 : 0),
    name: s.name,
    kind: s.kind + 1, // API SpanKind is 0-based; OTLP reserves 0 for UNSPECIFIED.
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: { ...s.attributes },
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
    events: s.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } })),
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: { ...l.attributes } })),
    resource: { ...s.resource.attributes },
    scope: s.instrumentationScope.name,
  };
}

describe('startOtlpReceiver', () => {
  it('listens on 127.0.0.1 with an OS-assigned port', async () => {
    const r = await receiver();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.url).not.toMatch(/:4318$/);
    expect(r.tracesUrl).toBe(`${r.url}/v1/traces`);
    expect(r.spans).toEqual([]);
    expect(r.requests).toEqual([]);
  });

  it('decodes JSON and protobuf exports from the real exporters identically', async () => {
    const jsonReceiver = await receiver();
    const protoReceiver = await receiver();
    const sdkSpans = await produceTrace([exporter('json', jsonReceiver), exporter('protobuf', protoReceiver)]);
    expect(sdkSpans).toHaveLength(5);

    const viaJson = (await jsonReceiver.waitForSpans(5)).sort(byName);
    const viaProto = (await protoReceiver.waitForSpans(5)).sort(byName);

    expect(jsonReceiver.requests.every((q) => q.contentType === 'application/json')).toBe(true);
    expect(protoReceiver.requests.every((q) => q.contentType === 'application/x-protobuf')).toBe(true);
    expect(viaProto).toEqual(viaJson);
    expect(viaJson).toEqual(sdkSpans.map(expected).sort(byName));

    // Spot-check concrete values too, so the test does not rest only on expected()'s mapping.
    for (const spans of [viaJson, viaProto]) {
      const get = (name: string): ReceivedSpan => spans.find((s) => s.name === name)!;
      const root = get('root');
      const client = get('client');
      const producer = get('producer');

      expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(root.parentSpanId).toBeUndefined();
      expect(root.kind).toBe(2);
      expect(root.attributes).toEqual(ROOT_ATTRIBUTES);
      expect(root.status).toEqual({ code: 2, message: 'boom' });
      expect(root.events).toEqual([
        { name: 'checkpoint', attributes: { 'event.string': 'e', 'event.int': 7, 'event.double': 0.5 } },
        { name: 'bare', attributes: {} },
      ]);
      expect(root.endTimeUnixNano).toBeGreaterThanOrEqual(root.startTimeUnixNano);
      expect(root.startTimeUnixNano).toBeGreaterThan(1_600_000_000n * 1_000_000_000n);
      expect(root.resource).toMatchObject(RESOURCE);
      expect(root.scope).toBe('otlp-receiver-test');

      expect(client.kind).toBe(3);
      expect(client.traceId).toBe(root.traceId);
      expect(client.parentSpanId).toBe(root.spanId);
      expect(client.status).toEqual({ code: 1 });
      expect(client.links).toEqual([
        { traceId: producer.traceId, spanId: producer.spanId, attributes: { 'link.reason': 'batch', 'link.n': 3 } },
      ]);
      expect(producer.kind).toBe(4);
      expect(producer.status).toEqual({ code: 0 });
      expect(get('consumer').kind).toBe(5);
      expect(get('consumer').parentSpanId).toBe(root.spanId);
      expect(get('internal').kind).toBe(1);
    }
  });

  it.each<Encoding>(['json', 'protobuf'])('decodes kvlist, bytes and nested arrays (%s)', async (encoding) => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    // The SDK API drops non-primitive attribute values, so hand the exporter a span carrying OTLP AnyValues directly.
    const attributes = {
      kv: { a: 'x', n: 5, nested: { ok: true } },
      raw: new Uint8Array([0, 1, 254, 255]),
      matrix: [
        [1, 2],
        ['s', false],
      ],
    };
    // Cast: ReadableSpan's Attributes type forbids these values, but the OTLP serializers support them.
    const fake = Object.assign(Object.create(real!) as ReadableSpan, { attributes: attributes as unknown as ReadableSpan['attributes'] });

    expect((await exportSpans(exporter(encoding, r), [fake])).code).toBe(ExportResultCode.SUCCESS);
    const [span] = await r.waitForSpans(1);
    expect(span!.attributes).toEqual(attributes);
    expect(span!.attributes.raw).toBeInstanceOf(Uint8Array);
  });

  it.each<Encoding>(['json', 'protobuf'])('handles gzip compression and records request metadata (%s)', async (encoding) => {
    const r = await receiver();
    const e = exporter(encoding, r, { compression: CompressionAlgorithm.GZIP, headers: { 'x-baton-test': 'yes' } });
    const sdkSpans = await produceTrace([e]);

    const spans = await r.waitForSpans(5);
    expect(spans.sort(byName)).toEqual(sdkSpans.map(expected).sort(byName));
    const [req] = r.requests;
    expect(req!.contentType).toBe(encoding === 'json' ? 'application/json' : 'application/x-protobuf');
    expect(req!.headers['content-encoding']).toBe('gzip');
    expect(req!.headers['x-baton-test']).toBe('yes');
    expect(req!.bytes).toBeGreaterThan(0);
  });

  it('accepts hand-written OTLP/JSON with string int64s, enum names and kvlists', async () => {
    const r = await receiver();
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hand' } }] },
          scopeSpans: [
            {
              scope: { name: 'manual' },
              spans: [
                {
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'EEE19B7EC3C1B174',
                  parentSpanId: '',
                  name: 'hand',
                  kind: 'SPAN_KIND_PRODUCER',
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: 1544712661000000000,
                  attributes: [
                    { key: 'i', value: { intValue: '9007199254740993' } },
                    { key: 'j', value: { intValue: 12 } },
                    { key: 'd', value: { doubleValue: 'NaN' } },
                    { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
                    { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(r.tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});

    const [span] = await r.waitForSpans(1);
    expect(span).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: undefined,
      flags: 0,
      name: 'hand',
      kind: 4,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: { i: 9007199254740993n, j: 12, d: NaN, kv: { k: true }, arr: ['a', 2] },
      status: { code: 2 },
      events: [],
      links: [],
      resource: { 'service.name': 'hand' },
      scope: 'manual',
    });
  });

  it('answers protobuf exports with an empty protobuf body and rejects bad requests', async () => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    expect((await exportSpans(exporter('protobuf', r), [real!])).code).toBe(ExportResultCode.SUCCESS);

    const ok = await fetch(r.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array() });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await ok.arrayBuffer()).byteLength).toBe(0);

    // Field 1, wire type LEN, length 10 but only 1 byte follows.
    const truncated = await fetch(r.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0x0a, 0x00]) });
    expect(truncated.status).toBe(400);
    const badType = await fetch(r.tracesUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(badType.status).toBe(415);
    expect((await fetch(`${r.url}/v1/metrics`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(r.tracesUrl)).status).toBe(405);

    expect(r.spans).toHaveLength(1);
    // Decode failures are surfaced in waitForSpans' timeout message to make broken exporters easy to diagnose.
    await expect(r.waitForSpans(2, 100)).rejects.toThrow(/1 span\(s\) arrived: producer.*truncated message/);
  });

  it.each<Encoding>(['json', 'protobuf'])('returns 500 for error500 without storing spans (%s)', async (encoding) => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    const e = exporter(encoding, r);

    r.setBehaviour('error500');
    expect((await exportSpans(e, [real!])).code).toBe(ExportResultCode.FAILED);
    expect(r.requests).toHaveLength(1); // 500 is not retryable for OTLP exporters
    expect(r.spans).toEqual([]);

    r.setBehaviour('ok');
    expect((await exportSpans(e, [real!])).code).toBe(ExportResultCode.SUCCESS);
    expect(r.spans).toHaveLength(1);
  });

  it('delays the response for { delayMs } but stores spans on arrival', async () => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    r.setBehaviour({ delayMs: 300 });

    const started = performance.now();
    let answeredAt = Infinity;
    const result = exportSpans(exporter('json', r), [real!]).then((res) => {
      answeredAt = performance.now();
      return res;
    });
    await r.waitForSpans(1, 2000);
    expect(answeredAt).toBe(Infinity); // spans are visible before the delayed answer
    expect((await result).code).toBe(ExportResultCode.SUCCESS);
    expect(answeredAt - started).toBeGreaterThanOrEqual(290);
  });

  it.each<Encoding>(['json', 'protobuf'])('never answers when hanging, so the exporter times out (%s)', async (encoding) => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    r.setBehaviour('hang');

    const started = performance.now();
    const result = await exportSpans(exporter(encoding, r, { timeoutMillis: 300 }), [real!]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(r.requests).toHaveLength(1);
    expect(r.spans).toEqual([]);
  });

  it('close() ends hung connections promptly and rejects pending waiters', async () => {
    const r = await startOtlpReceiver(); // Closed by the test itself.
    r.setBehaviour('hang');
    const hung = fetch(r.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const hungOutcome = hung.then(
      () => 'answered',
      () => 'connection closed',
    );
    await expect.poll(() => r.requests.length).toBe(1);
    const waiting = r.waitForSpans(1, 10_000);
    const waitingOutcome = waiting.catch((e: unknown) => (e as Error).message);

    const started = performance.now();
    await r.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await hungOutcome).toBe('connection closed');
    expect(await waitingOutcome).toMatch(/receiver closed/);

    await r.close(); // idempotent
    await expect(r.waitForSpans(1)).rejects.toThrow(/closed/);
    await expect(fetch(r.tracesUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('waitForSpans times out listing what arrived; reset() clears state and behaviour', async () => {
    const r = await receiver();
    const [real] = await produceTrace([]);
    const e = exporter('json', r);
    await exportSpans(e, [real!]);

    await expect(r.waitForSpans(1, 50)).resolves.toHaveLength(1);
    await expect(r.waitForSpans(3, 100)).rejects.toThrow(
      new RegExp(`waitForSpans\\(3\\) timed out after 100ms: 1 span\\(s\\) arrived: producer \\(PRODUCER, span ${real!.spanContext().spanId}`),
    );

    const spansRef = r.spans;
    r.setBehaviour('error500');
    r.reset();
    expect(r.spans).toBe(spansRef); // emptied in place so held references stay live
    expect(r.spans).toEqual([]);
    expect(r.requests).toEqual([]);

    // A waiter registered before the spans arrive resolves when they do.
    const pending = r.waitForSpans(1, 2000);
    expect((await exportSpans(e, [real!])).code).toBe(ExportResultCode.SUCCESS);
    await expect(pending).resolves.toHaveLength(1);
  });
});
