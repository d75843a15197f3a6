import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { BatonConfig } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { OtlpHttpExporter } from './otlp-http.js';

/**
 * Wraps the exporter so that a collector that is down, slow or failing is reported once per
 * process, clearly, instead of silently (OTel's default) or on every invocation.
 */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly target: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      this.inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          diagnose('export', `could not export spans to ${this.target}; spans are dropped until it answers`, result.error);
        }
        done(result);
      });
    } catch (error) {
      diagnose('export', `could not export spans to ${this.target}; spans are dropped until it answers`, error);
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The configured exporter, or undefined for `none`. */
export function createExporter(config: BatonConfig): SpanExporter | undefined {
  if (typeof config.exporter !== 'string') return new ReportingExporter(config.exporter, 'the configured exporter');
  if (config.exporter === 'none') return undefined;
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  const exporter = new OtlpHttpExporter({
    url: config.tracesEndpoint,
    protocol: config.protocol,
    headers: config.headers,
    // Export happens while the invocation waits; never let one request outlive that bound.
    timeoutMs: Math.max(1, config.flushTimeoutMs),
  });
  return new ReportingExporter(exporter, config.tracesEndpoint);
}
