import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Context } from 'aws-lambda';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { withTracing } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import type { BatonOptions } from '../../src/config.js';
import type { Tracing } from '../../src/tracer/provider.js';
import { lambdaContext } from './lambda-context.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver } from './otlp-receiver.js';

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

type Order = { orderId?: string };
type OrderResult = { statusCode: number; body: string };

/** A traced function that answers `order <id>`, exporting to its own receiver, for export-failure tests. */
export interface OrderFunction {
  readonly receiver: OtlpReceiver;
  readonly tracing: Tracing | undefined;
  readonly handler: (event: Order, context: Context) => Promise<OrderResult>;
  /** Every diagnostic line since the last `reset`. */
  readonly diagnostics: string[];
  /** The diagnostics that report a failed export. */
  reports(): string[];
  /** Forget what the receiver stored and what was reported, and restore its normal behaviour. */
  reset(): void;
}

/** Starts the receiver, makes the process's tracing with `options` and `env`, and warms the connection up. */
export async function startOrderFunction(options: BatonOptions, env: NodeJS.ProcessEnv): Promise<OrderFunction> {
  const receiver = await startOtlpReceiver();
  const diagnostics: string[] = [];
  setDiagnosticSink((line) => diagnostics.push(line));
  const tracing = getTracing({ endpoint: receiver.url, ...options }, env);
  const handler: OrderFunction['handler'] = withTracing(async (event: Order) => ({ statusCode: 200, body: `order ${event.orderId ?? '?'}` }));
  // The first export opens the connection; let it finish so the tests measure steady behaviour.
  await handler({ orderId: 'warm-up' }, lambdaContext());
  await exportsAnswered();
  return {
    receiver,
    tracing,
    handler,
    diagnostics,
    reports: () => diagnostics.filter((line) => line.includes('could not export')),
    reset: () => {
      receiver.reset();
      diagnostics.length = 0;
      resetDiagnostics();
    },
  };
}

/**
 * For a test file: a real OTLP receiver on 127.0.0.1, and the process's tracing (made once, as
 * at a cold start) exporting to it as OTLP/JSON. Before each test, a previous test's exports
 * are answered and forgotten, so they do not count for this one. The receiver is returned as
 * a stand-in that reaches the one started in `beforeAll`.
 */
export function useTracedReceiver(serviceName = 'orders'): OtlpReceiver {
  let current: OtlpReceiver | undefined;
  beforeAll(async () => {
    current = await startOtlpReceiver();
    getTracing({ endpoint: current.url, protocol: 'http/json', serviceName }, {});
  });
  afterAll(() => current?.close());
  beforeEach(async () => {
    await exportsAnswered();
    current?.reset();
  });
  return new Proxy({} as OtlpReceiver, {
    get(_target, key) {
      if (current === undefined) throw new Error('the receiver starts in beforeAll');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}
