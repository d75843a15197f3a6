import { trace } from '@opentelemetry/api';

/**
 * Wait until every span that has ended is exported and the collector has answered every
 * export. An invocation only waits until its spans are written to the collector's socket
 * (`exportWait: 'sent'`, the default), so a test that reads what the receiver stored, or what
 * was reported about a failed export, waits for the answers first.
 */
export async function exportsAnswered(): Promise<void> {
  const global = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await global.getDelegate?.().forceFlush?.();
}

/** Run `work` and say how long it took, in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}
