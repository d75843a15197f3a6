import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { diagnose } from '../diagnostics.js';

/**
 * Keeps ended, sampled spans until the invocation asks for them to be exported.
 *
 * Why not BatchSpanProcessor: it is built for long-lived processes (a timer, batches, an
 * export-timeout timer per batch). In Lambda the export point is fixed: the end of each
 * invocation, while the process still runs. Bounded, so a handler that never lets us flush
 * cannot grow memory without limit.
 */
export class InvocationSpanProcessor implements SpanProcessor {
  private ended: ReadableSpan[] = [];

  constructor(
    private readonly exporter: SpanExporter,
    private readonly maxQueued = 4096,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return; // not sampled
    if (this.ended.length >= this.maxQueued) {
      diagnose('queue-full', `more than ${this.maxQueued} spans waited for export; the oldest are kept, newer ones dropped`);
      return;
    }
    this.ended.push(span);
  }

  /**
   * Export what has ended; `done` is called once, when the exporter has settled (at once if
   * nothing waits). A callback, not a promise: this runs at the end of every invocation, and
   * each promise layer costs the invocation a microtask turn.
   */
  flush(done: () => void): void {
    if (this.ended.length === 0) {
      done();
      return;
    }
    const spans = this.ended;
    this.ended = [];
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      done();
    };
    try {
      this.exporter.export(spans, once);
    } catch (error) {
      diagnose('export', 'the exporter threw', error);
      once();
    }
  }

  /**
   * Export what has ended and wait for the exporter's own pending work (with `exportWait:
   * 'sent'`, the collector's answers). Not on the invocation's path, which uses `flush`.
   */
  forceFlush(): Promise<void> {
    return new Promise<void>((resolve) => this.flush(resolve)).then(() => this.exporter.forceFlush?.());
  }

  shutdown(): Promise<void> {
    return this.forceFlush().then(() => this.exporter.shutdown());
  }
}
