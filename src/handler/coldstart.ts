/**
 * Cold start (design.md section 6): the first invocation in a process, unless the sandbox
 * was initialised ahead of demand (provisioned concurrency, SnapStart) or the first
 * invocation arrives long after initialisation (Lambda's proactive initialisation).
 */
export const PROACTIVE_INIT_GAP_MS = 10_000;

export interface ColdStartTracker {
  /** True exactly once per process, on a real cold start. */
  next(now?: number): boolean;
}

export function createColdStartTracker(env: NodeJS.ProcessEnv = process.env, initAt: number = Date.now()): ColdStartTracker {
  let first = true;
  const type = env['AWS_LAMBDA_INITIALIZATION_TYPE'];
  const preInitialised = type === 'provisioned-concurrency' || type === 'snap-start';
  return {
    next(now) {
      if (!first) return false;
      first = false;
      return !preInitialised && (now ?? Date.now()) - initAt < PROACTIVE_INIT_GAP_MS;
    },
  };
}
