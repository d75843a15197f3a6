import { context as contextApi, createContextKey } from '@opentelemetry/api';
import type { BatonOptions } from '../config.js';
import { installLogCorrelation } from '../logs/console.js';
import { getTracing } from '../tracer/provider.js';
import { TIMER_MAX_MS, timeoutMarginMs } from '../tracer/timers.js';
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

/** What Lambda passes a callback handler as its third argument (`Callback<R>` of `@types/aws-lambda`). */
export type LambdaCallback<R = unknown> = (error?: Error | string | null, result?: R) => void;

/**
 * What `withTracing` returns for a handler of event `E` and result `R`: callable as the Node
 * runtime calls it, `(event, context)`, and assignable to `Handler<E, R>` of `@types/aws-lambda`.
 * It always settles by its promise; a `callback` passed to it is not used.
 */
export type TracedHandler<E = unknown, R = unknown, C = LambdaContextLike> = (event: E, context: C, callback?: LambdaCallback<R>) => Promise<R>;

/** What `withTracing` returns for an `awslambda.streamifyResponse` handler: the same arguments, settled by a promise. */
export type TracedStreamingHandler<E = unknown, S = unknown, C = LambdaContextLike, R = unknown> = (event: E, responseStream: S, context: C) => Promise<R>;

/** The context parameter the handler declares, or ours when it declares none. */
export type ContextOf<C> = unknown extends C ? LambdaContextLike : Exclude<C, undefined>;

/**
 * The type of `withTracing(handler)`, by the handler's shape (the runtime tells them apart the
 * same way: a third parameter that is a function is a callback, otherwise the handler streams):
 * - `(event, context?) => R | Promise<R>`: a `TracedHandler` of `Awaited<R>`;
 * - `(event, context, callback: Callback<R>) => void` (and `Handler<E, R>` itself): a `TracedHandler` of `R`;
 * - `(event, context, opts?)` with an optional third parameter that is not a callback (a middy instance): as the first;
 * - `(event, responseStream, context) => R | Promise<R>`: a `TracedStreamingHandler` of `Awaited<R>`.
 */
export type Traced<H extends AnyHandler> = H extends (event: infer E, second: infer S, third: infer T) => infer Returned
  ? Parameters<H> extends [unknown?, unknown?]
    ? TracedHandler<E, Awaited<Returned>, ContextOf<S>>
    : NonNullable<T> extends (...args: never[]) => unknown
      ? TracedHandler<E, CallbackResult<NonNullable<T>>, ContextOf<S>>
      : undefined extends T
        ? // An optional third parameter that is not a callback (middy's `opts`): the runtime passes two.
          TracedHandler<E, Awaited<Returned>, ContextOf<S>>
        : TracedStreamingHandler<E, S, T, Awaited<Returned>>
  : never;

/**
 * The result type a callback takes: `Callback<R>`'s optional `result?: R`, or a user's own
 * `(error: null, value: R) => void` (whose required parameters the optional form does not match).
 */
export type CallbackResult<F> = F extends (error: never, result?: infer R) => unknown
  ? R
  : F extends (error: never, result: infer R) => unknown
    ? R
    : unknown;

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
  if (typeof remaining !== 'number') return undefined;
  const delay = remaining - timeoutMarginMs(tracing.config);
  // A deadline further off than a timer can hold is too far to matter (Lambda's longest
  // invocation is 15 minutes); NaN is no deadline at all. Either way no timer is armed.
  if (!(delay <= TIMER_MAX_MS)) return undefined;
  const timer = setTimeout(() => {
    void invocation.finish({ timeout: true });
  }, Math.max(0, delay));
  // The timer must not keep an idle event loop (and so the invocation) alive.
  timer.unref();
  return timer;
}

/**
 * The invocation a wrapper is tracing, in the OpenTelemetry context the handler runs in.
 * `createContextKey` is `Symbol.for`, so two copies of lambda-baton (the layer's and one
 * bundled into the function) recognise each other's invocations.
 */
const INVOCATION_KEY = createContextKey('lambda-baton.invocation');

interface TracedInvocation {
  readonly event: unknown;
  readonly context: unknown;
}

/**
 * True when an outer wrapper (the layer, the Serverless plugin, or a second `withTracing`)
 * already traces this very invocation: it called us with its own event and context objects.
 * A handler that calls another traced handler with an event of its own is a new invocation.
 */
function tracedOutside(event: unknown, context: unknown): boolean {
  const outer = contextApi.active().getValue(INVOCATION_KEY) as TracedInvocation | undefined;
  return outer !== undefined && outer.event === event && outer.context === context;
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
export function withTracing<H extends AnyHandler>(handler: H, options?: BatonOptions): Traced<H> {
  // Cold start: the tracer, exporter and propagators are made here, once.
  const tracing = getTracing(options);
  if (tracing === undefined) return handler as unknown as Traced<H>;
  installLogCorrelation(tracing.config);
  const streaming = (handler as unknown as Record<symbol, unknown>)[STREAMING] !== undefined;

  const traced = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const event = args[0];
    const given = streaming ? args[2] : args[1];
    // Wrapped twice (the layer around a `withTracing` handler): the outer wrapper traces, we pass through.
    if (tracedOutside(event, given)) return callHandler(handler, this, args, streaming);
    const context = (given ?? {}) as LambdaContextLike;
    const invocation = startInvocation(tracing, event, context);
    if (invocation === undefined) return callHandler(handler, this, args, streaming);
    const timer = armTimeout(tracing, invocation, context);
    const marked: TracedInvocation = { event, context: given };
    // Promise callbacks rather than async/await: the fewest ticks and allocations between
    // the handler settling and our return (bench/warm.mjs).
    return contextApi.with(invocation.context.setValue(INVOCATION_KEY, marked), callHandler, undefined, handler, this, args, streaming).then(
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
  return traced as unknown as Traced<H>;
}
