import { context as contextApi } from '@opentelemetry/api';
import type { BatonOptions } from '../config.js';
import { installLogCorrelation } from '../logs/console.js';
import { getTracing } from '../tracer/provider.js';
import type { Tracing } from '../tracer/provider.js';
import type { LambdaContextLike } from '../triggers/index.js';
import { startInvocation } from './invocation.js';
import type { Invocation } from './invocation.js';

/**
 * Handlers come in several shapes: `(event, context)`, `(event, context, callback)`, and
 * `awslambda.streamifyResponse`'s `(event, responseStream, context)`. Their parameter types
 * are the user's, so the wrapper is generic over any function.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: we pass arguments through untouched
export type AnyHandler = (...args: any[]) => unknown;

/** The Node runtime marks streaming handlers with this symbol (`awslambda.streamifyResponse`). */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Call the user's handler and settle with its result, whether it returns a promise or calls back. */
function callHandler(handler: AnyHandler, self: unknown, args: unknown[], streaming: boolean): Promise<unknown> {
  // A handler that declares no callback (every async handler) settles by what it returns:
  // no callback or promise of ours to make.
  if (!streaming && handler.length < 3) {
    try {
      return Promise.resolve(handler.call(self, args[0], args[1]));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (failed: boolean, value: unknown): void => {
      if (settled) return;
      settled = true;
      if (failed) reject(value);
      else resolve(value);
    };
    const callback = (error?: unknown, value?: unknown): void => settle(error !== undefined && error !== null, error ?? value);
    let returned: unknown;
    try {
      returned = streaming ? handler.apply(self, args) : handler.call(self, args[0], args[1], callback);
    } catch (error) {
      settle(true, error);
      return;
    }
    if (isThenable(returned)) returned.then((value) => settle(false, value), (error: unknown) => settle(true, error));
    // A streaming handler that returns a plain value has returned.
    else if (streaming) settle(false, returned);
  });
}

/** A timer a margin before Lambda's deadline: end the span as timed out and export it while the handler still runs. */
function armTimeout(tracing: Tracing, invocation: Invocation, context: LambdaContextLike): NodeJS.Timeout | undefined {
  let remaining: unknown;
  try {
    remaining = context.getRemainingTimeInMillis?.();
  } catch {
    return undefined;
  }
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  const margin = tracing.config.timeoutMarginMs;
  const timer = setTimeout(() => {
    void invocation.finish({ timeout: true });
  }, Math.max(0, remaining - margin));
  // The timer must not keep an idle event loop (and so the invocation) alive.
  timer.unref();
  return timer;
}

function copyMarkers(from: AnyHandler, to: AnyHandler): void {
  for (const key of Object.getOwnPropertySymbols(from)) {
    Object.defineProperty(to, key, { value: (from as unknown as Record<symbol, unknown>)[key], configurable: true });
  }
}

/**
 * Wrap a Lambda handler so every invocation gets a span that continues the caller's trace,
 * is active inside the handler, and is exported before the result is returned.
 *
 * @example
 * import { withTracing } from 'lambda-baton';
 * export const handler = withTracing(async (event, context) => ({ statusCode: 200, body: 'ok' }));
 */
export function withTracing<H extends AnyHandler>(handler: H, options?: BatonOptions): H {
  // Cold start: the tracer, exporter and propagators are made here, once.
  const tracing = getTracing(options);
  if (tracing === undefined) return handler;
  installLogCorrelation(tracing.config);
  const streaming = (handler as unknown as Record<symbol, unknown>)[STREAMING] !== undefined;

  const traced = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const event = args[0];
    const context = ((streaming ? args[2] : args[1]) ?? {}) as LambdaContextLike;
    const invocation = startInvocation(tracing, event, context);
    if (invocation === undefined) return callHandler(handler, this, args, streaming);
    const timer = armTimeout(tracing, invocation, context);
    // Promise callbacks rather than async/await: the fewest ticks and allocations between
    // the handler settling and our return (bench/warm.mjs).
    return contextApi.with(invocation.context, callHandler, undefined, handler, this, args, streaming).then(
      (result) => {
        clearTimeout(timer);
        return invocation.finish({ result }).then(() => result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        return invocation.finish({ error }).then(() => Promise.reject(error));
      },
    );
  };
  copyMarkers(handler, traced);
  return traced as unknown as H;
}
