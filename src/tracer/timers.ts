import type { BatonConfig } from '../config.js';
import { DEFAULT_FLUSH_TIMEOUT_MS, DEFAULT_TIMEOUT_MARGIN_MS } from '../config.js';

/**
 * The longest delay a Node timer holds, 2^31−1 ms (about 24.8 days). A longer one fires after
 * 1 ms, with a TimeoutOverflowWarning (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args).
 */
export const TIMER_MAX_MS = 2 ** 31 - 1;

/** Lambda's longest function timeout, 900 s (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html). */
export const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/**
 * The margin kept before the deadline, as a number a timer can use. Configuration validates
 * it where it enters; this is the last line, so a value that slipped through (NaN, Infinity,
 * negative, more than any invocation can last) never marks spans timed out: the default is used.
 */
export function timeoutMarginMs(config: Pick<BatonConfig, 'timeoutMarginMs'>): number {
  const margin = config.timeoutMarginMs;
  return Number.isFinite(margin) && margin >= 0 && margin <= LAMBDA_MAX_TIMEOUT_MS ? margin : DEFAULT_TIMEOUT_MARGIN_MS;
}

/**
 * How long one request to the collector may take, connect to last byte of the answer. It
 * follows the flush bound (a request never outlives it by much), as a value a timer holds:
 * not above Lambda's longest invocation, and the default for a bound that is not a positive
 * finite number (a bound of 0 means an invocation does not wait, not that a request may hang).
 */
export function exchangeTimeoutMs(flushTimeoutMs: number): number {
  if (!(Number.isFinite(flushTimeoutMs) && flushTimeoutMs > 0)) return DEFAULT_FLUSH_TIMEOUT_MS;
  return Math.max(1, Math.min(flushTimeoutMs, LAMBDA_MAX_TIMEOUT_MS));
}
