/**
 * A real OTLP/HTTP trace receiver for tests, the benchmark and the demo.
 *
 * Accepts `POST /v1/traces` as OTLP/JSON or OTLP/protobuf (optionally gzip/deflate
 * compressed), normalises both into {@link ReceivedSpan}s, and can be told to fail,
 * be slow, or hang so exporter error paths can be exercised against a real socket.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { bytesToHex, decodeExportTraceServiceRequest, int64ToJs } from './otlp-protobuf.js';
import type {
  AttributeValue,
  Attributes,
  DecodedEvent,
  DecodedLink,
  DecodedResourceSpans,
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraceRequest,
} from './otlp-protobuf.js';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** OTLP span flags: the W3C trace flags in bits 0-7, then the is-remote bits (8, 9). */
  flags: number;
  name: string;
  /** OTLP SpanKind enum: 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER (0 = unspecified). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  /** OTLP StatusCode: 0 UNSET, 1 OK, 2 ERROR. `message` only present when non-empty. */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
  /** Instrumentation scope name. */
  scope: string;
}

export interface ReceivedRequest {
  /** Media type without parameters, lowercased (e.g. `application/json`). Full header is in `headers`. */
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  /** Body size on the wire (before decompression). */
  bytes: number;
}

/**
 * - `'ok'`: decode, store spans, answer 200.
 * - `'error500'`: answer 500; spans are NOT stored (the export was not accepted).
 * - `{ delayMs }`: decode and store spans on arrival, answer 200 after `delayMs`.
 * - `'hang'`: never answer; spans are NOT stored. `close()` still ends these connections.
 *
 * Every `POST /v1/traces` is recorded in `requests` whatever the behaviour.
 */
export type ReceiverBehaviour = 'ok' | 'error500' | { delayMs: number } | 'hang';

export interface OtlpReceiver {
  /** e.g. `http://127.0.0.1:PORT` */
  url: string;
  /** `url + '/v1/traces'` */
  tracesUrl: string;
  /** Live array; `reset()` empties it in place. */
  spans: ReceivedSpan[];
  /** Live array; `reset()` empties it in place. */
  requests: ReceivedRequest[];
  /** Resolves (with a snapshot) once at least `n` spans arrived; rejects after `timeoutMs` (default 5000). */
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Applies to requests arriving from now on. */
  setBehaviour(b: ReceiverBehaviour): void;
  /** Clears spans, requests and decode errors, and restores behaviour `'ok'`. */
  reset(): void;
  /** Stops listening and destroys every open connection (including hung ones). Idempotent. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startOtlpReceiver(options: { port?: number } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const decodeErrors: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<{ n: number; resolve: (s: ReceivedSpan[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let behaviour: ReceiverBehaviour = 'ok';
  let closing: Promise<void> | undefined;

  const notify = (): void => {
    for (const w of waiters) {
      if (spans.length >= w.n) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(spans.slice());
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/traces') throw new HttpError(404, `no route for ${req.method ?? ''} ${req.url ?? ''}`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      throw new HttpError(405, `method ${req.method ?? ''} not allowed`);
    }
    // Snapshot now so a behaviour change mid-request does not affect an export already in flight.
    const b = behaviour;
    const raw = await readBody(req);
    const contentType = mediaType(req.headers['content-type']);
    requests.push({ contentType, headers: { ...req.headers }, bytes: raw.length });

    if (b === 'hang') return; // Never answer; the socket stays tracked so close() can destroy it.
    if (b === 'error500') throw new HttpError(500, 'receiver behaviour: error500');

    let decoded: DecodedTraceRequest;
    try {
      const body = decompress(raw, req.headers['content-encoding']);
      if (contentType === JSON_TYPE) decoded = decodeJsonRequest(JSON.parse(body.toString('utf8')) as unknown);
      else if (contentType === PROTOBUF_TYPE) decoded = decodeExportTraceServiceRequest(body);
      else throw new HttpError(415, `unsupported content-type ${JSON.stringify(req.headers['content-type'] ?? '')}`);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(400, `cannot decode ${contentType} body: ${String(err)}`);
      decodeErrors.push(e.message);
      throw e;
    }
    spans.push(...flatten(decoded));
    notify();

    const ok = (): void => {
      if (contentType === JSON_TYPE) send(res, 200, JSON_TYPE, '{}');
      else send(res, 200, PROTOBUF_TYPE, ''); // An empty ExportTraceServiceResponse encodes to zero bytes.
    };
    if (typeof b === 'object') {
      const t = setTimeout(() => {
        timers.delete(t);
        ok();
      }, b.delayMs);
      timers.add(t);
    } else {
      ok();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent || res.destroyed) return;
      // OTLP says error bodies should be a google.rpc.Status; JSON is the only encoding we bother with.
      if (mediaType(req.headers['content-type']) === JSON_TYPE) send(res, status, JSON_TYPE, JSON.stringify({ code: 13, message }));
      else send(res, status, 'text/plain', message);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo; // Always AddressInfo for a TCP listener.
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans,
    requests,
    waitForSpans(n, timeoutMs = 5000) {
      if (spans.length >= n) return Promise.resolve(spans.slice());
      if (closing) return Promise.reject(new Error('waitForSpans: receiver is closed'));
      return new Promise((resolve, reject) => {
        const w = {
          n,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(w);
            reject(new Error(describeTimeout(n, timeoutMs, spans, requests, decodeErrors)));
          }, timeoutMs),
        };
        waiters.add(w);
      });
    },
    setBehaviour(b) {
      behaviour = b;
    },
    reset() {
      spans.length = 0;
      requests.length = 0;
      decodeErrors.length = 0;
      behaviour = 'ok';
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`waitForSpans(${w.n}): receiver closed after ${spans.length} span(s)`));
        }
        waiters.clear();
        server.close(() => resolve());
        // Keep-alive and hung connections would otherwise keep server.close() waiting.
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer); // No setEncoding() was called, so chunks are Buffers.
  return Buffer.concat(chunks);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function decompress(raw: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(raw);
  if (enc === 'deflate') return inflateSync(raw);
  throw new HttpError(415, `unsupported content-encoding ${JSON.stringify(encoding)}`);
}

function describeTimeout(
  n: number,
  timeoutMs: number,
  spans: readonly ReceivedSpan[],
  requests: readonly ReceivedRequest[],
  decodeErrors: readonly string[],
): string {
  const kinds = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  const arrived = spans.map((s) => `${s.name} (${kinds[s.kind] ?? s.kind}, span ${s.spanId}, parent ${s.parentSpanId ?? '-'})`);
  let msg =
    `waitForSpans(${n}) timed out after ${timeoutMs}ms: ${spans.length} span(s) arrived` +
    (arrived.length ? `: ${arrived.join('; ')}` : '') +
    ` [${requests.length} request(s) received]`;
  if (decodeErrors.length) msg += ` [decode errors: ${decodeErrors.join(' | ')}]`;
  return msg;
}

// --- Normalisation ----------------------------------------------------------

function flatten(req: DecodedTraceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId === '' ? undefined : s.parentSpanId,
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
          attributes: s.attributes,
          status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
          events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
          links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
          // Copy so a test mutating one span's resource cannot affect its siblings.
          resource: { ...rs.resource },
          scope: ss.scope.name,
        });
      }
    }
  }
  return out;
}

// --- OTLP/JSON → the protobuf decoder's shape -------------------------------
// https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding: lowerCamelCase keys, hex ids,
// enums as integers, int64/fixed64 as decimal strings (numbers accepted too).

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function int(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : 0;
}

function int64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return BigInt(v.trim());
  return 0n;
}

function enumValue(v: unknown, names: readonly string[]): number {
  // Proto JSON allows enum names; OTLP requires integers, so names are a courtesy.
  if (typeof v === 'string' && names.includes(v)) return names.indexOf(v);
  return int(v);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** OTLP/JSON ids are hex; base64 (protobuf's default JSON mapping) is tolerated for non-conforming senders. */
function id(v: unknown, byteLength: number): string {
  const s = str(v);
  if (s === '') return '';
  if (s.length === byteLength * 2 && /^[0-9a-fA-F]+$/.test(s)) return s.toLowerCase();
  const b = Buffer.from(s, 'base64');
  return b.length === byteLength ? bytesToHex(b) : s.toLowerCase();
}

function jsonAnyValue(v: unknown): AttributeValue {
  const o = obj(v);
  if ('stringValue' in o) return str(o.stringValue);
  if ('boolValue' in o) return o.boolValue === true || o.boolValue === 'true';
  if ('intValue' in o) return int64ToJs(int64(o.intValue));
  if ('doubleValue' in o) return Number(o.doubleValue); // Also maps proto JSON's "NaN"/"Infinity" strings.
  if ('arrayValue' in o) return list(obj(o.arrayValue).values).map(jsonAnyValue);
  if ('kvlistValue' in o) return jsonAttributes(obj(o.kvlistValue).values);
  if ('bytesValue' in o) return new Uint8Array(Buffer.from(str(o.bytesValue), 'base64'));
  return undefined;
}

function jsonAttributes(v: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(v)) {
    const o = obj(kv);
    out[str(o.key)] = jsonAnyValue(o.value);
  }
  return out;
}

function jsonEvent(v: unknown): DecodedEvent {
  const o = obj(v);
  return {
    timeUnixNano: int64(o.timeUnixNano),
    name: str(o.name),
    attributes: jsonAttributes(o.attributes),
    droppedAttributesCount: int(o.droppedAttributesCount),
  };
}

function jsonLink(v: unknown): DecodedLink {
  const o = obj(v);
  return {
    traceId: id(o.traceId, 16),
    spanId: id(o.spanId, 8),
    traceState: str(o.traceState),
    attributes: jsonAttributes(o.attributes),
    droppedAttributesCount: int(o.droppedAttributesCount),
    flags: int(o.flags),
  };
}

function jsonSpan(v: unknown): DecodedSpan {
  const o = obj(v);
  const status = obj(o.status);
  return {
    traceId: id(o.traceId, 16),
    spanId: id(o.spanId, 8),
    traceState: str(o.traceState),
    parentSpanId: id(o.parentSpanId, 8),
    flags: int(o.flags),
    name: str(o.name),
    kind: enumValue(o.kind, SPAN_KINDS),
    // fixed64 is unsigned; asUintN keeps a stray negative from turning into a negative time.
    startTimeUnixNano: BigInt.asUintN(64, int64(o.startTimeUnixNano)),
    endTimeUnixNano: BigInt.asUintN(64, int64(o.endTimeUnixNano)),
    attributes: jsonAttributes(o.attributes),
    droppedAttributesCount: int(o.droppedAttributesCount),
    events: list(o.events).map(jsonEvent),
    droppedEventsCount: int(o.droppedEventsCount),
    links: list(o.links).map(jsonLink),
    droppedLinksCount: int(o.droppedLinksCount),
    status: { code: enumValue(status.code, STATUS_CODES), message: str(status.message) },
  };
}

function jsonScopeSpans(v: unknown): DecodedScopeSpans {
  const o = obj(v);
  const scope = obj(o.scope);
  return {
    scope: { name: str(scope.name), version: str(scope.version), attributes: jsonAttributes(scope.attributes) },
    spans: list(o.spans).map(jsonSpan),
    schemaUrl: str(o.schemaUrl),
  };
}

function jsonResourceSpans(v: unknown): DecodedResourceSpans {
  const o = obj(v);
  return {
    resource: jsonAttributes(obj(o.resource).attributes),
    scopeSpans: list(o.scopeSpans).map(jsonScopeSpans),
    schemaUrl: str(o.schemaUrl),
  };
}

function decodeJsonRequest(body: unknown): DecodedTraceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error('OTLP/JSON body must be an ExportTraceServiceRequest object');
  }
  return { resourceSpans: list(obj(body).resourceSpans).map(jsonResourceSpans) };
}

/** The `traceparent` a span's context is written as: its W3C flags are the low byte of OTLP's span flags. */
export const traceparentOf = (span: ReceivedSpan): string =>
  `00-${span.traceId}-${span.spanId}-${(span.flags & 0xff).toString(16).padStart(2, '0')}`;
