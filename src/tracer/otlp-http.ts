import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExportWait, OtlpProtocol } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { CollectorConnections } from './collector-connections.js';
import { encodeTraceRequest } from './otlp-protobuf.js';

export interface OtlpHttpOptions {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  /** Most one request may take, connection to last byte of answer; then it is abandoned. */
  readonly timeoutMs: number;
  /** When `export` calls back: once the request is written to the socket, or once it is answered. */
  readonly wait: ExportWait;
  /** A failure found after `export` called back (`sent`: an answer that is not 2xx, a socket error, no answer). */
  readonly onLateFailure: (error: Error) => void;
}

/**
 * Connections to the collector. In `sent` mode a request is written and its answer read later,
 * so the next invocation may export while the previous answer is still unread: a second
 * connection takes that request instead of queueing it behind the first. More would only let
 * more requests sit unanswered at a collector that hangs; a request beyond these queues, and
 * the invocation's flush bound caps how long it waits.
 */
const MAX_CONNECTIONS = 2;

/**
 * Spans kept across exports while the collector is unreachable, sent when it answers again.
 * A few hundred invocations' worth, and one request of at most about a megabyte of protobuf.
 */
export const MAX_KEPT_SPANS = 2048;

/** Statuses OTLP/HTTP says a client should retry (https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes). */
const RETRYABLE = new Set([429, 502, 503, 504]);

const SUCCESS: ExportResult = Object.freeze({ code: ExportResultCode.SUCCESS });

/**
 * OTLP/HTTP over kept-alive connections: protobuf by otlp-protobuf.ts (the bytes OpenTelemetry's
 * serializer writes), JSON by OpenTelemetry's serializer.
 *
 * Why not `@opentelemetry/exporter-trace-otlp-*`: a Lambda exports once per invocation while
 * the caller waits, to a collector on localhost. Their transport (retry loop, promise queue,
 * a URL parse and lazy module import per request) measured about twice a bare HTTP round
 * trip here (see bench/). Retrying in a loop is also wrong for us: the invocation cannot wait.
 * A failed export is reported; spans the collector never got are kept (bounded) and sent
 * when it answers again. The payload is byte-for-byte OTel's.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly serialize: (spans: ReadableSpan[]) => Uint8Array | undefined;
  private readonly connections: CollectorConnections;
  /** Requests written or being written whose exchange has not ended; forceFlush waits for them. */
  private unanswered = 0;
  private idle: (() => void)[] = [];
  private kept: ReadableSpan[] = [];

  constructor(private readonly options: OtlpHttpOptions) {
    const json = options.protocol === 'http/json';
    this.serialize = json ? (spans) => JsonTraceSerializer.serializeRequest(spans) : encodeTraceRequest;
    this.connections = new CollectorConnections({
      url: new URL(options.url),
      headers: { ...options.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' },
      timeoutMs: options.timeoutMs,
      maxConnections: MAX_CONNECTIONS,
    });
  }

  /** Connect ahead of the first export (see CollectorConnections.prepare). */
  prepare(): void {
    this.connections.prepare();
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = this.serialize(spans);
    if (body === undefined) {
      done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialised') });
      return;
    }
    this.post(spans, body, done);
  }

  /** Spans kept from exports the collector never got, waiting for it to answer again. */
  get keptSpans(): number {
    return this.kept.length;
  }

  private post(spans: ReadableSpan[], body: Uint8Array, done: ((result: ExportResult) => void) | undefined): void {
    // `called`: done has been called (or there is none). In `sent` mode it is called once the
    // body is written; a failure found after that is a late one.
    let called = done === undefined;
    const sent = this.options.wait === 'sent';
    this.unanswered++;
    this.connections.post({
      body,
      written: () => {
        if (!sent || called) return;
        called = true;
        done?.(SUCCESS);
      },
      ended: (failure, status, heard) => {
        const error = failure ?? (status >= 200 && status < 300 ? undefined : new Error(`the collector answered HTTP ${status}`));
        if (error === undefined) this.delivered();
        else if (RETRYABLE.has(status) || (failure !== undefined && !heard)) this.keep(spans);
        this.answered();
        if (!called) {
          called = true;
          done?.(error === undefined ? SUCCESS : { code: ExportResultCode.FAILED, error });
        } else if (error !== undefined) {
          this.options.onLateFailure(error);
        }
      },
    });
  }

  /**
   * Keeps the spans of an export the collector did not take: it never answered (refused, not
   * resolved, reset or closed before a byte of answer, no answer in time), or answered with a
   * status OTLP/HTTP says to retry. An answer of any other kind means it read the request;
   * sending it again would only duplicate. Bounded: the oldest go first.
   */
  private keep(spans: readonly ReadableSpan[]): void {
    for (const span of spans) this.kept.push(span);
    const over = this.kept.length - MAX_KEPT_SPANS;
    if (over > 0) {
      this.kept.splice(0, over);
      diagnose('export-kept-full', `the collector was unreachable for more than ${MAX_KEPT_SPANS} spans; the oldest kept spans are dropped`);
    }
  }

  /**
   * The collector answered: what was kept goes now, in one request of its own, off the
   * invocation's path (the answer is read after the export it belongs to has settled for
   * `sent`, and the invocation does not wait for it in either mode).
   */
  private delivered(): void {
    if (this.kept.length === 0) return;
    const spans = this.kept;
    this.kept = [];
    const body = this.serialize(spans);
    if (body === undefined) return;
    this.post(spans, body, undefined);
  }

  private answered(): void {
    if (--this.unanswered > 0 || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush().then(() => this.connections.destroy());
  }

  /** Resolves once every request sent has its answer or has failed (bounded by `timeoutMs`). */
  forceFlush(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
