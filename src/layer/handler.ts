import { withTracing } from '../handler/with-tracing.js';
import { installLogCorrelation } from '../logs/console.js';
import { getTracing } from '../tracer/provider.js';
import { instrumentLoadedSdkClients, watchSdkLoads } from './sdk-clients.js';
import { RuntimeError, resolveHandler } from './resolve.js';

/** Where the layer's exec wrapper (or the Serverless plugin) puts the function's own handler. */
export const HANDLER_VARIABLE = 'BATON_HANDLER';

/**
 * The layer's entry: at init, set up tracing, load the user's handler as the runtime would,
 * instrument the AWS SDK clients it loaded (unless `BATON_SDK_CLIENTS=false`), and return it wrapped. A handler that cannot be
 * found fails init with the runtime's own kind of error.
 */
export async function createLayerHandler(env: NodeJS.ProcessEnv = process.env): Promise<(...args: unknown[]) => unknown> {
  const target = env[HANDLER_VARIABLE];
  if (target === undefined || target === '') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${HANDLER_VARIABLE} is not set: the lambda-baton layer needs the function's own handler (see README, "The layer")`);
  }
  // Tracing first, so spans the handler's module creates at import are ours too.
  const tracing = getTracing(undefined, env);
  // Before the handler's module loads, so a console method it keeps a reference to is ours.
  if (tracing !== undefined) installLogCorrelation(tracing.config, env);
  // `sdkClients` (BATON_SDK_CLIENTS, formerly BATON_LAMBDA_CLIENTS) comes from the one configuration.
  const clients = tracing?.config.sdkClients ?? false;
  if (clients) watchSdkLoads();
  // BATON_TASK_ROOT: serverless-offline sets a LAMBDA_TASK_ROOT (/var/task) that is not the service folder.
  const handler = await resolveHandler(env['BATON_TASK_ROOT'] ?? env['LAMBDA_TASK_ROOT'] ?? process.cwd(), target);
  if (clients) await instrumentLoadedSdkClients();
  // The runtime calls it with whatever it passes; the traced type is for users' handlers.
  return withTracing(handler) as (...args: unknown[]) => unknown;
}
