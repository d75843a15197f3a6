import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { OPTIONS_SCHEMA, environmentFor, validateOptions } from './options.js';
import type { BatonPluginOptions } from './options.js';

/** The handler the layer provides, and where the layer's package lives in /opt. */
export const LAYER_HANDLER = '/opt/nodejs/node_modules/lambda-baton/handler.handler';
/** The logical name of the layer this plugin adds when `custom.baton.layer` is not an ARN. */
export const LAYER_NAME = 'batonTracing';
const LAYER_REF = { Ref: 'BatonTracingLambdaLayer' };

/* The parts of the Serverless Framework v3 API we use, typed structurally. */
interface FunctionConfig {
  handler?: string;
  image?: unknown;
  runtime?: string;
  environment?: Record<string, unknown>;
  layers?: unknown[];
  baton?: false | BatonPluginOptions;
}
interface Serverless {
  processedInput?: { commands?: string[] };
  service: {
    custom?: { baton?: BatonPluginOptions };
    provider: { runtime?: string; layers?: unknown[]; environment?: Record<string, unknown> };
    layers?: Record<string, unknown>;
    serverlessDirPath?: string;
    getAllFunctions(): string[];
    getFunction(name: string): FunctionConfig;
  };
  serviceDir?: string;
  config?: { servicePath?: string };
  classes: { Error: new (message: string) => Error };
  configSchemaHandler?: {
    defineCustomProperties(schema: object): void;
    defineFunctionProperties(provider: string, schema: object): void;
  };
}
interface Logger {
  notice(message: string): void;
  warning(message: string): void;
  info?(message: string): void;
}

/** The package root, from dist/serverless.cjs. */
function packageRoot(): string {
  return resolve(__dirname, '..');
}

/**
 * `plugins: [lambda-baton/serverless]`: attaches the lambda-baton layer to every Node.js
 * function, sets its environment from `custom.baton` (overridable per function with
 * `baton:`), and redirects its handler to the layer's, keeping the original in BATON_HANDLER.
 * Under `serverless offline`, which ignores layers, handlers point at a local copy instead.
 */
class BatonServerlessPlugin {
  readonly hooks: Record<string, () => void>;
  private applied = false;

  constructor(
    private readonly serverless: Serverless,
    _options: unknown,
    private readonly io: { log?: Logger } = {},
  ) {
    // Validation through the framework's schema: with `configValidationMode: error` a typo is an error.
    serverless.configSchemaHandler?.defineCustomProperties({ type: 'object', properties: { baton: OPTIONS_SCHEMA } });
    serverless.configSchemaHandler?.defineFunctionProperties('aws', {
      properties: { baton: { anyOf: [{ const: false }, OPTIONS_SCHEMA] } },
    });
    this.hooks = {
      // Before functions are compiled: the handler, environment and layers reach the template.
      'before:package:createDeploymentArtifacts': () => this.apply('layer'),
      'before:deploy:function:initialize': () => this.apply('layer'),
      // `initialize` runs before any command's lifecycle, so before serverless-offline (and
      // its event plugins) read the handlers.
      // `invoke local` reads the function's environment in `before:invoke:local:loadEnvVars`,
      // its own hook, which runs before a plugin's hook on the same event: so `initialize` too.
      initialize: () => {
        const [command, sub] = serverless.processedInput?.commands ?? [];
        if (command === 'offline' || (command === 'invoke' && sub === 'local')) this.apply('offline');
      },
    };
  }

  private get log(): Logger {
    return this.io.log ?? { notice: (m) => console.log(m), warning: (m) => console.warn(m) };
  }

  private fail(problems: string[]): never {
    throw new this.serverless.classes.Error(`lambda-baton: invalid configuration:\n  ${problems.join('\n  ')}`);
  }

  private apply(mode: 'layer' | 'offline'): void {
    if (this.applied) return;
    this.applied = true;
    const { service } = this.serverless;
    const custom = service.custom?.baton ?? {};
    const problems = validateOptions('custom.baton', custom);
    for (const name of service.getAllFunctions()) {
      const own = service.getFunction(name).baton;
      if (own !== false) problems.push(...validateOptions(`functions.${name}.baton`, own));
    }
    if (problems.length > 0) this.fail(problems);
    if (custom.enabled === false) {
      this.log.notice('lambda-baton: disabled (custom.baton.enabled: false)');
      return;
    }

    const servicePath = this.serverless.serviceDir ?? this.serverless.config?.servicePath ?? process.cwd();
    let traced = 0;
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      const runtime = fn.runtime ?? service.provider.runtime ?? 'nodejs20.x';
      if (fn.baton === false || fn.baton?.enabled === false) continue;
      if (fn.image !== undefined || !runtime.startsWith('nodejs')) {
        this.log.notice(`lambda-baton: ${name} is skipped: ${fn.image !== undefined ? 'container images' : `runtime ${runtime}`} cannot use the Node.js layer`);
        continue;
      }
      if (fn.handler === undefined) continue;
      const options: BatonPluginOptions = { ...custom, ...(fn.baton ?? {}) };
      fn.environment = {
        ...environmentFor(options),
        ...fn.environment, // the function's own settings win
        BATON_HANDLER: fn.handler,
      };
      if (mode === 'layer') {
        fn.handler = LAYER_HANDLER;
        fn.layers = [...(fn.layers ?? service.provider.layers ?? []), options.layer ?? this.ownLayer()];
      } else {
        fn.handler = this.offlineHandler(servicePath);
        fn.environment['BATON_TASK_ROOT'] = servicePath;
      }
      traced++;
    }
    this.log.notice(`lambda-baton: tracing ${traced} function${traced === 1 ? '' : 's'}${mode === 'offline' ? ' (offline)' : ''}`);
  }

  /** The layer built from this package (`npm run build:layer`), added once to the service. */
  private ownLayer(): unknown {
    const { service } = this.serverless;
    service.layers ??= {};
    if (service.layers[LAYER_NAME] === undefined) {
      const artifact = join(packageRoot(), 'layer', 'dist', 'lambda-baton-layer.zip');
      if (!existsSync(artifact)) this.fail([`the layer ${artifact} is not built: run npm run build:layer in lambda-baton, or set custom.baton.layer to a layer ARN`]);
      service.layers[LAYER_NAME] = {
        package: { artifact },
        description: 'lambda-baton: OpenTelemetry tracing for Node.js functions',
        compatibleRuntimes: ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
      };
    }
    return LAYER_REF;
  }

  /**
   * serverless-offline and invoke local load handlers from the service folder: point them at
   * our local entry, named without its extension (both add `.cjs` when nothing else is found).
   */
  private offlineHandler(servicePath: string): string {
    const entry = join(packageRoot(), 'dist', 'offline-handler');
    const path = relative(servicePath, entry).split('\\').join('/');
    return `${path}.handler`;
  }
}

export default BatonServerlessPlugin;

