// An esbuild plugin for every build that bundles @opentelemetry/resources.
//
// The package's machine-id detector loads its per-platform code with dynamic `import()`
// (dist/detectors/platform/node/machine-id/getMachineId.mjs). We never run a detector, and
// esbuild drops that code, but it decides before dropping it that every module those imports
// reach must be initialised lazily: the whole of @opentelemetry/api and node:util, 35 modules,
// were each wrapped in an `__esm` function that the bundle's top level then called, so V8
// parsed each of them twice. Resolved here to a module of nothing, they leave the graph.
// The build fails if any module is still wrapped (see `assertNoLazyModules`).
import { readFileSync } from 'node:fs';

const PLATFORM_FILE = /[\\/]machine-id[\\/]getMachineId-[a-z]+\.mjs$|^\.\/getMachineId-[a-z]+\.mjs$/;

export const noLazyDetectors = {
  name: 'no-lazy-detectors',
  setup(b) {
    b.onResolve({ filter: /^\.\/getMachineId-[a-z]+\.mjs$/ }, (args) => (PLATFORM_FILE.test(args.path) && args.importer.includes('@opentelemetry/resources') ? { path: args.path, namespace: 'never-run' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'never-run' }, () => ({ contents: 'export async function getMachineId() { return undefined; }', loader: 'js' }));
  },
};

/**
 * Fails when a bundle still initialises a module lazily (esbuild's `__esm` wrapper). Reads the
 * build's output files, written or (`write: false`) in memory; unminified, since minified
 * output no longer names its modules.
 */
export function assertNoLazyModules(result) {
  const outputs = result.outputFiles?.map((f) => [f.path, f.text]) ?? Object.keys(result.metafile.outputs).map((file) => [file, readFileSync(file, 'utf8')]);
  for (const [file, text] of outputs) {
    // An `__esm` wrapper is `{ "<module path>"() { ... } }`, minified or not (a CommonJS
    // module's `__commonJS` wrapper takes `(exports, module)`).
    const wrapped = [...text.matchAll(/\{\s*"((?:node_modules\/|src\/|builtin:)[^"]*)"\(\)\s*\{/g)].map((m) => m[1]);
    if (wrapped.length > 0) throw new Error(`${file} initialises ${wrapped.length} modules lazily (esbuild __esm): ${wrapped.slice(0, 5).join(', ')}`);
  }
  return result;
}
