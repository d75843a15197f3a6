/**
 * The handler `serverless offline` and `serverless invoke local` run for a traced function (the
 * Serverless plugin points functions here, since neither honours layers or exec wrappers). The
 * same path as the layer: BATON_HANDLER is loaded as the runtime would, and wrapped.
 *
 * Built as CommonJS (dist/offline-handler.cjs) without top-level await: `invoke local` loads a
 * handler with `require()`, trying no extension and then `.cjs` (osls
 * lib/plugins/aws/invoke-local/index.js), and a module with top-level await cannot be required.
 * serverless-offline tries no extension, `.js`, `.mjs`, then `.cjs`.
 */
import { createLayerHandler } from './handler.js';

// Set-up starts when the module loads, as the layer's does at init; a failure surfaces on the
// first invocation, as the error the runtime would report.
const ready = createLayerHandler();
ready.catch(() => {});

export async function handler(event: unknown, context: unknown): Promise<unknown> {
  const wrapped = await ready;
  return wrapped(event, context);
}
