import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { diagnose } from '../diagnostics.js';

/**
 * Spans one invocation may leave for export. An SQS or Kinesis event source mapping delivers
 * up to 10,000 records per batch (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html): a span per record
 * under `withRecord`, the invocation span, and room for as many spans again of the handler's own.
 */
export const MAX_QUEUED_SPANS = 20_000;

/**
 * Keeps ended, sampled spans until the invocation asks for them to be exported.
 *
 * Why not BatchSpanProcessor: it is built for long-lived processes (a timer, batches, an
 * export-timeout timer per batch). In Lambda the export point is fixed: the end of each
 * invocation, while the process still runs. Bounded, so a handler that never lets us flush
 * cannot grow memory without limit. Past the bound the oldest spans make room: the invocation
 * span ends last, after every span of its batch, so it is never the one dropped.
 */
export class InvocationSpanProcessor implements SpanProcessor {
  private ended: ReadableSpan[] = [];
  /** Once full, where the next span goes: the oldest slot, in turn (export order does not matter). */
  private oldest = 0;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly maxQueued = MAX_QUEUED_SPANS,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return; // not sampled
    if (this.ended.length < this.maxQueued) {
      this.ended.push(span);
      return;
    }
    diagnose('queue-full', `more than ${this.maxQueued} spans waited for export; the oldest are dropped to make room`);
    this.ended[this.oldest] = span;
    this.oldest = (this.oldest + 1) % this.maxQueued;
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
    this.oldest = 0;
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
