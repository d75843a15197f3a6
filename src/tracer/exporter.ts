import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { BatonConfig } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { MAX_KEPT_SPANS, OtlpHttpExporter } from './otlp-http.js';
import { exchangeTimeoutMs } from './timers.js';

type Report = (error: unknown) => void;

/**
 * One diagnostic per process for every way an export to `target` fails, whether the failure
 * is the export's result or found later (the answer to a request sent without waiting).
 */
function exportFailureReport(target: string, consequence: string): Report {
  return (error) => diagnose('export', `could not export spans to ${target}; ${consequence}`, error);
}

/**
 * Wraps the exporter so that a collector that is down, slow or failing is reported once per
 * process, clearly, instead of silently (OTel's default) or on every invocation.
 */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly report: Report,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      this.inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) this.report(result.error);
        done(result);
      });
    } catch (error) {
      this.report(error);
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
  if (typeof config.exporter !== 'string') return new ReportingExporter(config.exporter, exportFailureReport('the configured exporter', 'those spans are dropped'));
  if (config.exporter === 'none') return undefined;
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  const report = exportFailureReport(
    config.tracesEndpoint,
    `spans it did not get are kept (up to ${MAX_KEPT_SPANS}) and sent when it answers again`,
  );
  const exporter = new OtlpHttpExporter({
    url: config.tracesEndpoint,
    protocol: config.protocol,
    headers: config.headers,
    // A request never outlives the flush bound by much: with `response` the invocation waits
    // for it; with `sent` it bounds how long an unanswered request holds a connection.
    timeoutMs: exchangeTimeoutMs(config.flushTimeoutMs),
    wait: config.exportWait,
    onLateFailure: report,
  });
  exporter.prepare();
  return new ReportingExporter(exporter, report);
}
