/** Defensive readers: events are input, so every field is checked before use. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, key: string): unknown {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function records(event: unknown): unknown[] {
  const list = field(event, 'Records');
  return Array.isArray(list) ? list : [];
}

/** What follows the last `separator` (the whole string if there is none); undefined when that is empty. */
export function lastSegment(value: unknown, separator: ':' | '/'): string | undefined {
  const whole = text(value);
  if (whole === undefined || whole === '') return undefined;
  return whole.slice(whole.lastIndexOf(separator) + 1) || undefined;
}

/** The last `:`-separated segment of an ARN: a queue, topic, state machine or function name. */
export function arnName(arn: unknown): string | undefined {
  return lastSegment(arn, ':');
}

/**
 * The function name for spans of triggers that have no better name (FaaS semantic conventions).
 * The caller fills a missing name from the configuration (`namingContext`): no trigger reads the environment.
 */
export function functionName(context: { functionName?: unknown }): string {
  // `||`, not `??`: an empty name (a partial context given to `baton inspect`) must not make an empty span name.
  return text(context.functionName) || 'lambda';
}

/** The range of an ECMAScript Date: ±8.64e15 ms around the epoch (ECMA-262, "Time Values and Time Range"). */
const MAX_TIME_MS = 8.64e15;

/**
 * An ISO 8601 time from epoch seconds read from an event, or undefined when the value is
 * not a number a Date can hold (`new Date(1e16).toISOString()` throws a RangeError).
 */
export function isoTimeFromSeconds(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const ms = value * 1000;
  return ms >= 0 && ms <= MAX_TIME_MS ? new Date(ms).toISOString() : undefined;
}

/** Parse JSON only when it looks like an object; non-JSON input is simply "no context". */
export function parseObject(value: unknown): Json | undefined {
  if (typeof value !== 'string' || value.length < 2 || value.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
