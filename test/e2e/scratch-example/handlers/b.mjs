// ESM handler. Logs a line the harness can grep (Event invocations return nothing to the caller).
import { isMainThread } from 'node:worker_threads';

export const handler = async (event, context) => {
  const out = { via: event.via, clientContext: context.clientContext, isMainThread, fn: context.functionName };
  console.log('[B] ' + JSON.stringify(out));
  return out;
};
