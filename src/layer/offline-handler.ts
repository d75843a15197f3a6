/**
 * The handler `serverless offline` runs for a traced function (the Serverless plugin points
 * functions here, since offline ignores layers and exec wrappers). The same path as the
 * layer: BATON_HANDLER is loaded as the runtime would, and wrapped.
 */
import { createLayerHandler } from './handler.js';

export const handler = await createLayerHandler();
