import { context as contextApi, propagation as propagationApi, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resolveConfig } from '../config.js';
import type { BatonConfig, BatonOptions } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { createPropagation } from '../propagation/propagators.js';
import type { Propagation } from '../propagation/propagators.js';
import type { LambdaContextLike } from '../triggers/index.js';
import { createExporter } from './exporter.js';
import { InvocationSpanProcessor } from './processor.js';
import { lambdaResource } from './resource.js';
import { TIMER_MAX_MS } from './timers.js';
import { createSampler } from './sampler.js';
import { BatonTracerProvider } from './tracer.js';

export const TRACER_NAME = 'lambda-baton';

/** Everything made once per process at cold start. */
export interface Tracing {
  readonly config: BatonConfig;
  readonly tracer: Tracer;
  readonly propagation: Propagation;
  /**
   * Names the service from an invocation's context when nothing configured its name; a
   * promise while the resource is settling, which the invocation's export waits for.
   */
  nameService(context: LambdaContextLike): Promise<void> | undefined;
  /**
   * Export what has ended, waiting at most `boundMs` for the export to settle (with
   * `exportWait: 'sent'`, the request is written; with `'response'`, answered). A bound of 0 or
   * less (or NaN) exports without waiting. Never rejects.
   */
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

const RESOLVED = Promise.resolve();

function createTracing(config: BatonConfig, env: NodeJS.ProcessEnv): Tracing {
  const exporter = createExporter(config);
  const processor = exporter === undefined ? undefined : new InvocationSpanProcessor(exporter);
  const { resource, nameFrom } = lambdaResource(config, env);
  const provider = new BatonTracerProvider({ resource, sampler: createSampler(config), processor });
  const propagation = createPropagation(config.propagators);

  // Register globally so spans users create with @opentelemetry/api nest under ours.
  contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (!trace.setGlobalTracerProvider(provider)) {
    diagnose('provider', 'another OpenTelemetry tracer provider is already registered; lambda-baton exports its own spans, yours go to that provider');
  }
  propagationApi.setGlobalPropagator(propagation.injector);

  return {
    config,
    tracer: provider.getTracer(TRACER_NAME),
    propagation,
    nameService: nameFrom,
    // With no exporter there is nothing to wait for. Otherwise the processor is flushed
    // directly: the provider's forceFlush adds a 30 s timer and three promises per call.
    flush: processor === undefined ? () => RESOLVED : flushWithin(coalesce((done) => processor.flush(done))),
  };
}

/** Something to flush: calls `done` exactly once, when it has settled. */
export type Flush = (done: () => void) => void;

/**
 * Concurrent invocations each ask for a flush when they end. One export at a time, and
 * while it runs, every later request shares the single follow-up flush that will carry
 * their spans: the exporter's concurrency limit is never the reason spans are dropped.
 */
export function coalesce(flush: Flush): Flush {
  let running = false;
  // Callers of the follow-up flush, which starts when the running one settles.
  let waiting: (() => void)[] | undefined;
  const start = (callers: readonly (() => void)[]): void => {
    running = true;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      running = false;
      const next = waiting;
      waiting = undefined;
      if (next !== undefined) start(next);
      for (const done of callers) done();
    };
    try {
      flush(settle);
    } catch (error) {
      diagnose('flush', 'exporting spans failed', error);
      settle();
    }
  };
  return (done) => {
    if (running) (waiting ??= []).push(done);
    else start([done]);
  };
}

/**
 * `flush`, waiting at most `boundMs`; never rejects. The bound's timer is armed only if the
 * flush has not already settled (it settles at once when nothing ended), and only with a
 * value a timer holds: past that, each request's own deadline ends the wait.
 */
export function flushWithin(flush: Flush): (boundMs: number) => Promise<void> {
  return (boundMs) => {
    if (!(boundMs > 0)) {
      // No time to wait in (the bound is 0, negative, or the deadline is this close), but the
      // spans still go: the export starts now and is not waited for. What it cannot deliver
      // the exporter keeps for the next export.
      diagnose('flush-skipped', `no time was left to wait for the export (bound ${boundMs} ms); spans are sent without the invocation waiting`);
      try {
        flush(NOTHING);
      } catch (error) {
        diagnose('flush', 'exporting spans failed', error);
      }
      return RESOLVED;
    }
    return new Promise<void>((resolve) => {
      let over = false;
      let timer: NodeJS.Timeout | undefined;
      try {
        flush(() => {
          if (over) return;
          over = true;
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        });
      } catch (error) {
        over = true;
        diagnose('flush', 'exporting spans failed', error);
        resolve();
      }
      if (over || boundMs > TIMER_MAX_MS) return;
      timer = setTimeout(() => {
        if (over) return;
        over = true;
        diagnose('flush-late', `exporting spans took longer than ${boundMs} ms; the invocation stopped waiting, and the export goes on without it`);
        resolve();
      }, boundMs);
    });
  };
}

const NOTHING = (): void => undefined;

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
