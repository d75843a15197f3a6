import { createRequire } from 'node:module';
import { instrumentClient } from '../clients/index.js';
import { diagnose } from '../diagnostics.js';

/**
 * Zero-code AWS SDK client instrumentation for the layer. Clients are instrumented on their
 * first `send`, by a one-time patch of `<Service>Client.prototype.send` in each copy of the
 * client packages below the function loaded from node_modules (the runtime's or its own).
 * An SDK bundled into the handler is invisible from here: users call `instrumentClient`.
 */
const PATCHED = Symbol.for('lambda-baton.sdk-client.patched');

/** Each instrumented package and the client class it exports (src/clients/index.ts lists the services). */
const PACKAGES: Readonly<Record<string, string>> = {
  'client-lambda': 'LambdaClient',
  'client-sqs': 'SQSClient',
  'client-sns': 'SNSClient',
  'client-eventbridge': 'EventBridgeClient',
  'client-kinesis': 'KinesisClient',
  'client-sfn': 'SFNClient',
};
const ENTRY = new RegExp(`[\\\\/]@aws-sdk[\\\\/](${Object.keys(PACKAGES).join('|')})[\\\\/]dist-(?:cjs|es)[\\\\/]index\\.js$`);

interface ClientClass {
  prototype: { send?: (...args: unknown[]) => unknown; [PATCHED]?: true };
}

function patch(candidate: unknown): void {
  const proto = (candidate as ClientClass | undefined)?.prototype;
  if (proto === undefined || typeof proto.send !== 'function' || Object.prototype.hasOwnProperty.call(proto, PATCHED)) return;
  const send = proto.send;
  proto.send = function patchedSend(this: unknown, ...args: unknown[]) {
    instrumentClient(this);
    return send.apply(this, args);
  };
  Object.defineProperty(proto, PATCHED, { value: true });
}

/** The client class a loaded entry point exports. */
function clientOf(file: string, exports: unknown): unknown {
  const name = PACKAGES[ENTRY.exec(file)?.[1] ?? ''];
  return name === undefined ? undefined : (exports as Record<string, unknown> | undefined)?.[name];
}

/** ES module entry points of the SDK seen while the handler loaded (Node ≥ 22.15 hooks). */
const seenUrls = new Set<string>();

/** Watch module resolution while the user's handler loads, where Node offers in-thread hooks. */
export function watchSdkLoads(): void {
  // process.getBuiltinModule, not `import * as`: esbuild copies a namespace import of a CommonJS
  // module property by property at load (some 20 KB of young-generation garbage at every cold start).
  const register = (process.getBuiltinModule('node:module') as { registerHooks?: (hooks: object) => unknown }).registerHooks;
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
    diagnose('sdk-client:hooks', 'could not watch for AWS SDK clients loaded as ES modules; call instrumentClient(client) yourself', error);
  }
}

/** Patch every copy of the SDK clients the handler has loaded so far. */
export async function instrumentLoadedSdkClients(): Promise<void> {
  try {
    // Any require shares Node's one CommonJS cache; this one works from the ESM and CJS builds alike.
    const cache = createRequire(`${process.cwd()}/`).cache;
    for (const [file, loaded] of Object.entries(cache)) {
      if (ENTRY.test(file)) patch(clientOf(file, loaded?.exports));
    }
    for (const url of seenUrls) {
      // Already loaded by the handler: import() returns the cached module, it loads nothing.
      patch(clientOf(url, await import(url)));
    }
  } catch (error) {
    diagnose('sdk-client:patch', 'could not instrument the AWS SDK clients of this function; call instrumentClient(client) yourself', error);
  }
}
