import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Errors named as the Node runtime names them, so a handler that cannot be loaded fails
 * init the way it would without the layer (the runtime reports `errorType` from the name).
 */
export class RuntimeError extends Error {
  constructor(name: 'Runtime.ImportModuleError' | 'Runtime.HandlerNotFound' | 'Runtime.MalformedHandlerName', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** The runtime's order: the name as given (required), then `.js`, `.mjs`, `.cjs`. */
const EXTENSIONS = ['', '.js', '.mjs', '.cjs'] as const;

/** `src/app.nested.handler` → module `src/app`, export path `nested.handler` (the runtime's rule). */
export function splitHandler(handler: string): { module: string; path: string[] } {
  if (handler.includes('..')) throw new RuntimeError('Runtime.MalformedHandlerName', `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  if (dot === -1 || dot === handler.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  return { module: handler.slice(0, dot), path: handler.slice(dot + 1).split('.') };
}

/** The nearest package.json `type`, as Node decides how to load a `.js` file. */
function isEsmJs(file: string): boolean {
  let dir = dirname(file);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

async function loadModule(taskRoot: string, modulePath: string): Promise<unknown> {
  const base = resolve(taskRoot, modulePath);
  const file = EXTENSIONS.map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  try {
    if (file.endsWith('.mjs') || (file.endsWith('.js') && file !== base && isEsmJs(file))) {
      return await import(pathToFileURL(file).href);
    }
    // CommonJS is required, as the runtime does; esbuild bundles export non-configurable
    // getters, which we only read, never redefine.
    return createRequire(file)(file);
  } catch (error) {
    // The file exists, so a module that is not found is one the handler requires. The runtime
    // reports it as an ImportModuleError carrying Node's own message: the missing module and its
    // require stack (aws-lambda-nodejs-runtime-interface-client, src/UserFunction.js, _loadUserApp).
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', String(error), { cause: error });
    }
    throw error; // the user's own error at import: the runtime reports it as is
  }
}

function property(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  return (value as Record<string, unknown>)[key];
}

/**
 * Load the user's handler as the Node runtime would: `_HANDLER`-style string against
 * `LAMBDA_TASK_ROOT`, trying `.js` (CommonJS or ESM by package.json), `.mjs`, `.cjs`.
 */
export async function resolveHandler(taskRoot: string, handler: string): Promise<(...args: unknown[]) => unknown> {
  const { module, path } = splitHandler(handler);
  const loaded = await loadModule(taskRoot, module);
  let target: unknown = loaded;
  for (const key of path) {
    // An ES module namespace of a CommonJS file keeps module.exports under `default`.
    target = property(target, key) ?? (target === loaded ? property(property(loaded, 'default'), key) : undefined);
  }
  if (typeof target !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  }
  return target as (...args: unknown[]) => unknown;
}

