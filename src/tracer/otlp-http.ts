import { Agent, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../config.js';

export interface OtlpHttpOptions {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

type Send = (options: RequestOptions, callback: (response: IncomingMessage) => void) => ReturnType<typeof httpRequest>;

/**
 * OTLP/HTTP with OpenTelemetry's own serializers and a single kept-alive connection.
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
  private readonly agent: Agent | undefined;

  constructor(private readonly options: OtlpHttpOptions) {
    const url = new URL(options.url);
    const json = options.protocol === 'http/json';
    this.serialize = (spans) => (json ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(spans);
    const secure = url.protocol === 'https:';
    // Plain HTTP (the collector extension on localhost) needs no TLS: https loads only if asked for.
    if (!secure) {
      this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.send = httpRequest;
    }
    this.target = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: { ...options.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' },
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
          const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
          this.target.agent = agent;
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
    let settled = false;
    const finish = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      done(result);
    };
    try {
      const req = (this.send as Send)({ ...this.target, headers: { ...this.target.headers, 'content-length': body.byteLength } }, (res) => {
        res.resume(); // the body of an OTLP success is empty or a partial-success report we do not act on
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(
            status >= 200 && status < 300
              ? { code: ExportResultCode.SUCCESS }
              : { code: ExportResultCode.FAILED, error: new Error(`the collector answered HTTP ${status}`) },
          );
        });
        res.on('error', (error) => finish({ code: ExportResultCode.FAILED, error }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', (error) => finish({ code: ExportResultCode.FAILED, error }));
      req.end(body);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  shutdown(): Promise<void> {
    this.agent?.destroy();
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
