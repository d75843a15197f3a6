import { trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { BatonOptions } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { withTracing } from '../handler/with-tracing.js';
import type { AnyHandler } from '../handler/with-tracing.js';

/** The chainable part of a middy instance (`@middy/core` 5, 6 and 7), typed structurally. */
export interface MiddyLike extends AnyHandler {
  use(middleware: unknown): MiddyLike;
  before(hook: unknown): MiddyLike;
  after(hook: unknown): MiddyLike;
  onError(hook: unknown): MiddyLike;
  handler(handler: AnyHandler): MiddyLike;
}

const CHAIN = ['use', 'before', 'after', 'onError', 'handler'] as const;

/**
 * Trace a middy handler. A middy `before` hook cannot make a context active for the handler
 * (middy awaits each hook; what a hook enters does not reach the handler's continuation —
 * middy issue #1661), and middy skips `after` hooks on early returns and `requestEnd` on
 * errors. So we wrap the whole middy function: the invocation span is active in every
 * middleware and in the handler, and ends exactly once with what the caller really gets —
 * after early returns, errors swallowed by `onError`, and middy's own timeout alike.
 *
 * The result is still a middy instance: `.use()`, `.before()`, `.handler()`... keep working.
 *
 * @example
 * import middy from '@middy/core';
 * import { traced, tracingMiddleware } from 'lambda-baton/middy';
 * export const handler = traced(middy()).use(tracingMiddleware()).handler(async (event) => ({ statusCode: 200 }));
 */
export function traced<M extends MiddyLike>(instance: M, options?: BatonOptions): M {
  const wrapped = withTracing(instance, options) as unknown as M & Record<string, unknown>;
  if ((wrapped as unknown) === instance) return instance; // tracing disabled
  for (const name of CHAIN) {
    const method = instance[name];
    if (typeof method !== 'function') continue;
    // Chain on the middy instance, but return the traced function so the export stays traced.
    wrapped[name] = (arg: never) => {
      method.call(instance, arg);
      return wrapped;
    };
  }
  return wrapped;
}

/** What `tracingMiddleware` puts in `request.internal.baton` for other middlewares. */
export interface MiddyTracingInternal {
  readonly span: Span;
  readonly traceId: string;
}

/** The part of middy's `request` that `tracingMiddleware` reads: middy's `Request` is assignable to it. */
export interface MiddyRequestLike {
  internal?: Record<string, unknown>;
}

/** What `tracingMiddleware()` returns: a middy middleware object, for `.use()`. */
export interface TracingMiddleware {
  before: (request: MiddyRequestLike) => void;
}

/**
 * A middleware that gives other middlewares the invocation span through
 * `request.internal.baton` (middy's place for per-request state). It needs `traced()`
 * around the middy instance, which starts and ends the span; alone it only reports once.
 */
export function tracingMiddleware(): TracingMiddleware {
  return {
    before(request) {
      const span = trace.getActiveSpan();
      if (span === undefined) {
        diagnose('middy-untraced', 'tracingMiddleware() found no invocation span: wrap the middy instance with traced(middy(...))');
        return;
      }
      if (request.internal !== undefined) {
        const value: MiddyTracingInternal = { span, traceId: span.spanContext().traceId };
        request.internal['baton'] = value;
      }
    },
  };
}
