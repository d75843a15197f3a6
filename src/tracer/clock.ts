/**
 * The monotonic clock spans, connections and lookups read: `process.hrtime`, the clock
 * `performance.now()` is read from too (libuv's `uv_hrtime`), without `performance`.
 *
 * Why not `performance.now()`: the first touch of the `performance` global loads Node's
 * perf_hooks (32 internal modules, 2.4 ms of a Node 22 cold start on the benchmark machine),
 * which Lambda's runtime never loads for a function that does not use it.
 * `test/unit/cold-start-loads.test.ts` pins that a first invocation does not load it.
 */

/** Milliseconds on the monotonic clock (an arbitrary origin: only differences mean anything). */
export function monotonicMs(): number {
  return hrtimeMs(process.hrtime());
}

/** A `process.hrtime` reading or difference, `[seconds, nanoseconds]`, in milliseconds. */
export function hrtimeMs([seconds, nanos]: [number, number]): number {
  return seconds * 1e3 + nanos / 1e6;
}
