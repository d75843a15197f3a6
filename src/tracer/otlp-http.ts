import { Agent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExportWait, OtlpProtocol } from '../config.js';

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
 * so the next invocation may export while the previous answer is still unread (a warm
 * invocation that does no I/O of its own gives the event loop no chance to read it): a second
 * connection takes that request instead of queueing it behind the first. More would only let
 * more requests sit unanswered at a collector that hangs; a request beyond these queues, and
 * the invocation's flush bound caps how long it waits. `response` mode uses one: coalesced
 * flushes never have two requests out at once.
 */
const MAX_SOCKETS = 2;

type Send = (options: RequestOptions, callback: (response: IncomingMessage) => void) => ClientRequest;

const SUCCESS: ExportResult = Object.freeze({ code: ExportResultCode.SUCCESS });

/**
 * OTLP/HTTP with OpenTelemetry's own serializers and kept-alive connections.
 *
 * Why not `@opentelemetry/exporter-trace-otlp-*`: a Lambda exports once per invocation while
 * the caller waits, to a collector on localhost. Their transport (retry loop, promise queue,
 * a URL parse and lazy module import per request) measured about twice a bare HTTP round
 * trip here (see bench/). Retrying is also wrong for us: the invocation cannot wait, so a
 * failed export is reported and dropped. The payload is byte-for-byte OTel's.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly target: RequestOptions;
  private readonly serialize: (spans: ReadableSpan[]) => Uint8Array | undefined;
  private send: Send | undefined;
  private agent: Agent | undefined;
  /** Requests written or being written whose exchange has not ended; forceFlush waits for them. */
  private unanswered = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly options: OtlpHttpOptions) {
    const url = new URL(options.url);
    const json = options.protocol === 'http/json';
    const serializer = json ? JsonTraceSerializer : ProtobufTraceSerializer;
    this.serialize = (spans) => serializer.serializeRequest(spans);
    const secure = url.protocol === 'https:';
    // Plain HTTP (the collector extension on localhost) needs no TLS: https loads only if asked for.
    if (!secure) {
      this.agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
      this.send = httpRequest;
    }
    // One options object for every request: Node copies it and does not change it, and
    // `end(body)` adds Content-Length, so nothing here is rebuilt per export.
    this.target = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: Object.freeze({ ...options.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' }),
      agent: this.agent,
      timeout: options.timeoutMs,
    };
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = this.serialize(spans);
    if (body === undefined) {
      done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialised') });
      return;
    }
    if (this.send === undefined) {
      void import('node:https').then(
        (https) => {
          this.agent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
          this.target.agent = this.agent;
          this.send = https.request;
          this.post(body, done);
        },
        (error: unknown) => done({ code: ExportResultCode.FAILED, error: error as Error }),
      );
      return;
    }
    this.post(body, done);
  }

  private post(body: Uint8Array, done: (result: ExportResult) => void): void {
    // `called`: done has been called. `over`: the exchange has its outcome. In `sent` mode
    // done is called once the body is written; a failure found after that is a late one.
    let called = false;
    let over = false;
    const end = (error: Error | undefined): void => {
      if (over) return;
      over = true;
      this.answered();
      if (!called) {
        called = true;
        done(error === undefined ? SUCCESS : { code: ExportResultCode.FAILED, error });
      } else if (error !== undefined) {
        this.options.onLateFailure(error);
      }
    };
    this.unanswered++;
    try {
      const req = (this.send as Send)(this.target, (res) => {
        res.resume(); // the body of an OTLP success is empty or a partial-success report we do not act on
        const status = res.statusCode ?? 0;
        end(status >= 200 && status < 300 ? undefined : new Error(`the collector answered HTTP ${status}`));
      });
      req.on('timeout', () => {
        // After Lambda thaws the process, an expired timer runs before the event loop polls
        // sockets, so an answer already waiting in this one has not been read yet. Look once
        // more after that poll (setImmediate runs after it) before calling it lost.
        setImmediate(() => {
          if (!over) req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`));
        });
      });
      req.on('error', end);
      if (this.options.wait === 'sent') {
        // 'finish': the socket is connected and has taken the whole request. On loopback the
        // bytes are then in the collector's receive buffer, even if Lambda freezes us now.
        req.on('finish', () => {
          if (called) return;
          called = true;
          done(SUCCESS);
        });
      }
      req.end(body);
    } catch (error) {
      end(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private answered(): void {
    if (--this.unanswered > 0 || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush().then(() => this.agent?.destroy());
  }

  /** Resolves once every request sent has its answer or has failed (bounded by `timeoutMs`). */
  forceFlush(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
