import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExportWait, OtlpProtocol } from '../config.js';
import { CollectorConnections } from './collector-connections.js';

export interface OtlpHttpOptions {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  /** Most a request may wait, idle, for its connection or its answer; then it is abandoned. */
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

const SUCCESS: ExportResult = Object.freeze({ code: ExportResultCode.SUCCESS });

/**
 * OTLP/HTTP with OpenTelemetry's own serializers, over kept-alive connections.
 *
 * Why not `@opentelemetry/exporter-trace-otlp-*`: a Lambda exports once per invocation while
 * the caller waits, to a collector on localhost. Their transport (retry loop, promise queue,
 * a URL parse and lazy module import per request) measured about twice a bare HTTP round
 * trip here (see bench/). Retrying is also wrong for us: the invocation cannot wait, so a
 * failed export is reported and dropped. The payload is byte-for-byte OTel's.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly serialize: (spans: ReadableSpan[]) => Uint8Array | undefined;
  private readonly connections: CollectorConnections;
  /** Requests written or being written whose exchange has not ended; forceFlush waits for them. */
  private unanswered = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly options: OtlpHttpOptions) {
    const json = options.protocol === 'http/json';
    const serializer = json ? JsonTraceSerializer : ProtobufTraceSerializer;
    this.serialize = (spans) => serializer.serializeRequest(spans);
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
    // `called`: done has been called. In `sent` mode it is called once the body is written;
    // a failure found after that is a late one.
    let called = false;
    const sent = this.options.wait === 'sent';
    this.unanswered++;
    this.connections.post({
      body,
      written: () => {
        if (!sent || called) return;
        called = true;
        done(SUCCESS);
      },
      ended: (failure, status) => {
        this.answered();
        const error = failure ?? (status >= 200 && status < 300 ? undefined : new Error(`the collector answered HTTP ${status}`));
        if (!called) {
          called = true;
          done(error === undefined ? SUCCESS : { code: ExportResultCode.FAILED, error });
        } else if (error !== undefined) {
          this.options.onLateFailure(error);
        }
      },
    });
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
