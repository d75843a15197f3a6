import { createRequire } from 'node:module';
import * as nodeModule from 'node:module';
import { instrumentLambdaClient } from '../clients/lambda.js';
import { diagnose } from '../diagnostics.js';

/**
 * Zero-code Lambda client instrumentation for the layer. Clients are instrumented on their
 * first `send`, by a one-time patch of `LambdaClient.prototype.send` in each copy of
 * `@aws-sdk/client-lambda` the function loaded from node_modules (the runtime's or its own).
 * An SDK bundled into the handler is invisible from here: users call `instrumentLambdaClient`.
 */
const PATCHED = Symbol.for('lambda-baton.lambda-client.patched');
const ENTRY = /[\\/]@aws-sdk[\\/]client-lambda[\\/]dist-(?:cjs|es)[\\/]index\.js$/;

interface ClientClass {
  prototype: { send?: (...args: unknown[]) => unknown; [PATCHED]?: true };
}

function patch(candidate: unknown): void {
  const proto = (candidate as ClientClass | undefined)?.prototype;
  if (proto === undefined || typeof proto.send !== 'function' || proto[PATCHED]) return;
  const send = proto.send;
  proto.send = function patchedSend(this: unknown, ...args: unknown[]) {
    instrumentLambdaClient(this);
    return send.apply(this, args);
  };
  proto[PATCHED] = true;
}

/** ES module entry points of the SDK seen while the handler loaded (Node ≥ 22.15 hooks). */
const seenUrls = new Set<string>();

/** Watch module resolution while the user's handler loads, where Node offers in-thread hooks. */
export function watchSdkLoads(): void {
  const register = (nodeModule as { registerHooks?: (hooks: object) => unknown }).registerHooks;
  if (typeof register !== 'function') return;
  try {
    register({
      resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => { url: string }) {
        const result = next(specifier, context);
        if (ENTRY.test(result.url)) seenUrls.add(result.url);
        return result;
      },
    });
  } catch (error) {
    diagnose('lambda-client:hooks', 'could not watch for @aws-sdk/client-lambda; call instrumentLambdaClient(client) yourself', error);
  }
}

/** Patch every copy of the SDK the handler has loaded so far. */
export async function instrumentLoadedLambdaClients(): Promise<void> {
  try {
    // Any require shares Node's one CommonJS cache; this one works from the ESM and CJS builds alike.
    const cache = createRequire(`${process.cwd()}/`).cache;
    for (const [file, loaded] of Object.entries(cache)) {
      if (ENTRY.test(file)) patch((loaded?.exports as { LambdaClient?: unknown } | undefined)?.LambdaClient);
    }
    for (const url of seenUrls) {
      // Already loaded by the handler: import() returns the cached module, it loads nothing.
      patch(((await import(url)) as { LambdaClient?: unknown }).LambdaClient);
    }
  } catch (error) {
    diagnose('lambda-client:patch', 'could not instrument the Lambda clients of this function; call instrumentLambdaClient(client) yourself', error);
  }
}
