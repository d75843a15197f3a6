// Builds the npm package with esbuild (declarations come from tsc).
// Each runtime entry point Node loads is one self-contained file, @opentelemetry/api included,
// so a function deployed with its node_modules as they are (no bundler) loads one file at cold
// start, not some 200 (README, "Why one file"). Bundlers get dist/bundler/*.js, which import
// @opentelemetry/api, so that a user's bundle holds one copy of it, theirs and ours. Peers
// (@middy/core, the AWS SDK) are the user's.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoLazyModules, noLazyDetectors } from './no-lazy-detectors.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const API = '@opentelemetry/api';
const peers = Object.keys(pkg.peerDependencies ?? {});
// The API is the one dependency: the bundler builds and the published types import it.
const others = Object.keys(pkg.dependencies ?? {}).filter((name) => name !== API);
if (others.length > 0) throw new Error(`bundled code is a devDependency, not a dependency: ${others.join(', ')}`);

rmSync('dist', { recursive: true, force: true });

const entryPoints = {
  index: 'src/index.ts',
  middy: 'src/middy/index.ts',
};
// Process state lives on a global symbol (src/tracer/provider.ts), so these entries share one
// tracer even though each bundle has its own copy of the code.

// Whitespace and syntax minified, names kept: about half the bytes to parse, stack traces
// still readable.
const common = { bundle: true, platform: 'node', target: 'node20', external: peers, sourcemap: false, logLevel: 'warning', minifyWhitespace: true, minifySyntax: true, legalComments: 'none' };
const withSharedApi = { ...common, external: [API, ...peers] };

// What a traces-only library never runs must not be in what it loads (README, "Why one file").
// Of @opentelemetry/semantic-conventions only the few constants we use are kept.
const NEVER_BUNDLED = ['@opentelemetry/sdk-metrics/', '@opentelemetry/sdk-logs/'];
const SEMCONV_BYTES = 4096;
const checkInputs = (api) => (result) => {
  const never = api === 'shared' ? [...NEVER_BUNDLED, `node_modules/${API}/`] : NEVER_BUNDLED;
  // Inputs esbuild read but shook out entirely have no bytes in any output.
  for (const [name, output] of Object.entries(result.metafile.outputs)) {
    const kept = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0);
    const found = kept.filter(([path]) => never.some((part) => path.includes(part))).map(([path]) => path);
    if (found.length > 0) throw new Error(`${name} must not contain: ${found.join(', ')}`);
    const semconv = kept.filter(([path]) => path.includes('@opentelemetry/semantic-conventions/')).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    if (semconv > SEMCONV_BYTES) throw new Error(`${name} holds ${semconv} bytes of @opentelemetry/semantic-conventions; only its constants belong there`);
  }
  return result;
};

/*
 * Why the API is bundled for Node: unbundled, it is some 50 files that Node reads, compiles and
 * links one by one at every cold start, most of what an unbundled install added over a bundled
 * one (README, "Why one file"). Every copy of the API keeps its state in one global registry,
 * keyed by major version and checked by minor, so spans a user makes with their own copy nest
 * under ours as long as theirs is not newer than the one bundled here (which is the newest
 * release when the package is built); the same holds for the layer, which has always carried
 * its own copy.
 */
/*
 * In the ES module builds, Node's built-ins are taken with process.getBuiltinModule (Node
 * 20.16, 22.3), not imported: an `import` of a built-in makes its module namespace, which reads
 * every export, and reading some of them loads more of Node (node:dns's `promises`, node:util's
 * lazily loaded helpers). Measured in fresh processes, importing these and node:dns loaded 34
 * internal modules on Node 20, 45 on 22 and 48 on 24; getBuiltinModule loaded 27 or 28. Only the
 * names the bundle uses are read. A name missing from this list fails the build (no matching
 * export), and so does any warning (a namespace read of a name not listed).
 */
const BUILTIN_NAMES = { util: ['format', 'inspect'], async_hooks: ['AsyncLocalStorage'], events: ['EventEmitter'], net: ['connect'] };
const builtinsByGetter = {
  name: 'builtins-by-getter',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${Object.keys(BUILTIN_NAMES).join('|')})$`) }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: [`const m = process.getBuiltinModule('node:${args.path}');`, ...BUILTIN_NAMES[args.path].map((name) => `export const ${name} = m.${name};`)].join('\n'),
      loader: 'js',
    }));
  },
};
const noWarnings = (result) => {
  if (result.warnings.length > 0) throw new Error(`the build warned: ${result.warnings.map((w) => w.text).join('; ')}`);
  return result;
};

await Promise.all([
  build({ ...common, metafile: true, plugins: [builtinsByGetter, noLazyDetectors], entryPoints, format: 'esm', outdir: 'dist', outExtension: { '.js': '.js' } }).then(noWarnings).then(checkInputs('bundled')).then(assertNoLazyModules),
  build({ ...withSharedApi, metafile: true, plugins: [builtinsByGetter, noLazyDetectors], entryPoints, format: 'esm', outdir: 'dist/bundler', outExtension: { '.js': '.js' } }).then(noWarnings).then(checkInputs('shared')).then(assertNoLazyModules),
  build({ ...common, metafile: true, plugins: [noLazyDetectors], entryPoints, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }).then(checkInputs('bundled')).then(assertNoLazyModules),
  // The handler the plugin points at under `serverless offline` and `serverless invoke local`:
  // CommonJS, the one format both can load (src/layer/offline-handler.ts says why).
  build({ ...common, plugins: [noLazyDetectors], entryPoints: { 'offline-handler': 'src/layer/offline-handler.ts' }, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // The Serverless Framework v3 requires plugins as CommonJS.
  build({ ...common, entryPoints: { serverless: 'src/serverless/entry.cjs' }, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // The CLI is one self-contained file so `npx baton` starts fast.
  build({
    ...common,
    external: [],
    entryPoints: { 'cli/baton': 'src/cli/baton.ts' },
    define: { __BATON_VERSION__: JSON.stringify(pkg.version) },
    format: 'cjs',
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
  }),
]);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });

// The package is "type": "module", so TypeScript reads every .d.ts as ESM. A CommonJS consumer
// (`require`, "moduleResolution": "node16") needs CommonJS declarations: the same files as
// .d.cts, whose relative imports name .cjs (TypeScript handbook, "Modules — Reference",
// "Type declarations for dual packages").
const typesDir = 'dist/types';
for (const file of readdirSync(typesDir, { recursive: true })) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(join(typesDir, file), 'utf8').replace(/(from |import\()(['"])(\.{1,2}\/[^'"]+)\.js\2/g, '$1$2$3.cjs$2');
  writeFileSync(join(typesDir, file.replace(/\.d\.ts$/, '.d.cts')), text);
}

// `lambda-baton/serverless` is CommonJS whose export is the plugin class (src/serverless/entry.cjs):
// its declarations say the same, for a `serverless.ts` that imports the plugin.
writeFileSync(
  'dist/types/serverless/index.d.cts',
  `import type BatonServerlessPlugin from './plugin.cjs';\ndeclare const plugin: typeof BatonServerlessPlugin;\nexport = plugin;\n`,
);
