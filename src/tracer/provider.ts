import { context as contextApi, propagation as propagationApi, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { resolveConfig } from '../config.js';
import type { BatonConfig, BatonOptions } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { createPropagation } from '../propagation/propagators.js';
import type { Propagation } from '../propagation/propagators.js';
import { createExporter } from './exporter.js';
import { InvocationSpanProcessor } from './processor.js';
import { lambdaResource } from './resource.js';
import { createSampler } from './sampler.js';

export const TRACER_NAME = 'lambda-baton';

/** Everything made once per process at cold start. */
export interface Tracing {
  readonly config: BatonConfig;
  readonly tracer: Tracer;
  readonly propagation: Propagation;
  /** Export what has ended, waiting at most `boundMs`. Never rejects. */
  flush(boundMs: number): Promise<void>;
}

/**
 * Process state, kept on a global symbol as @opentelemetry/api keeps its own: the package may
 * be loaded more than once (its ESM and CommonJS builds, a bundle and the layer), and a
 * process must still have exactly one tracer provider.
 */
interface ProcessState {
  tracing?: Tracing | undefined;
  disabled?: boolean;
}
const STATE = Symbol.for('lambda-baton.tracing');
function processState(): ProcessState {
  const holder = globalThis as { [STATE]?: ProcessState };
  return (holder[STATE] ??= {});
}

function createTracing(config: BatonConfig, env: NodeJS.ProcessEnv): Tracing {
  const exporter = createExporter(config);
  const provider = new TracerProvider({
    resource: lambdaResource(config, env),
    sampler: createSampler(config),
    spanProcessors: exporter === undefined ? [] : [new InvocationSpanProcessor(exporter)],
  });
  const propagation = createPropagation(config.propagators);

  // Register globally so spans users create with @opentelemetry/api nest under ours.
  contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (!trace.setGlobalTracerProvider(provider)) {
    diagnose('provider', 'another OpenTelemetry tracer provider is already registered; lambda-baton exports its own spans, yours go to that provider');
  }
  propagationApi.setGlobalPropagator(propagation.injector);

  const flushOnce = coalesce(() => provider.forceFlush());
  return {
    config,
    tracer: provider.getTracer(TRACER_NAME),
    propagation,
    // With no exporter there is nothing to wait for.
    flush: exporter === undefined ? () => Promise.resolve() : (boundMs) => flushWithin(flushOnce, boundMs),
  };
}

/**
 * Concurrent invocations each ask for a flush when they end. One export at a time, and
 * while it runs, every later request shares the single follow-up flush that will carry
 * their spans: the exporter's concurrency limit is never the reason spans are dropped.
 */
export function coalesce(flush: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const current = flush().finally(() => {
      running = undefined;
    });
    running = current;
    return current;
  };
  return () => {
    if (running === undefined) return start();
    next ??= running.then(
      () => {
        next = undefined;
        return start();
      },
      () => {
        next = undefined;
        return start();
      },
    );
    return next;
  };
}

async function flushWithin(flushOnce: () => Promise<void>, boundMs: number): Promise<void> {
  if (!(boundMs > 0)) {
    diagnose('flush-skipped', 'no time was left before the deadline to export spans; they are sent with the next invocation');
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), boundMs);
  });
  try {
    const outcome = await Promise.race([flushOnce().then(() => 'done' as const), late]);
    if (outcome === 'late') {
      diagnose('flush-late', `exporting spans took longer than ${boundMs} ms; invocations no longer wait for it`);
    }
  } catch (error) {
    diagnose('flush', 'exporting spans failed', error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The process's tracing, created on first use with the first caller's options; undefined
 * when instrumentation is disabled. Later calls with other options get the first set,
 * because a process has one tracer provider.
 */
export function getTracing(options?: BatonOptions, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const state = processState();
  if (state.tracing !== undefined || state.disabled === true) return state.tracing;
  try {
    const config = resolveConfig(options, env);
    if (!config.enabled) {
      state.disabled = true;
      return undefined;
    }
    state.tracing = createTracing(config, env);
  } catch (error) {
    state.disabled = true;
    diagnose('init', 'could not initialise tracing; handlers run without it', error);
  }
  return state.tracing;
}

/** Forget the process's tracing; for tests that need a fresh cold start. */
export async function resetTracingForTests(): Promise<void> {
  const provider = trace.getTracerProvider();
  const state = processState();
  state.tracing = undefined;
  state.disabled = false;
  trace.disable();
  contextApi.disable();
  propagationApi.disable();
  await (provider as { shutdown?: () => Promise<void> }).shutdown?.().catch(() => undefined);
}
