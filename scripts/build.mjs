// Builds the npm package with esbuild (declarations come from tsc).
// Each runtime entry point is one self-contained file, so a function deployed with its
// node_modules as they are (no bundler) loads one file at cold start, not some 200 (README,
// "Why one file"). Only @opentelemetry/api stays a shared dependency: it keeps its global
// registry by version, so spans users make with their own copy nest under ours. Peers
// (@middy/core, the AWS SDK) are the user's.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = ['@opentelemetry/api', ...Object.keys(pkg.peerDependencies ?? {})];
const bundled = Object.keys(pkg.dependencies ?? {}).filter((name) => !external.includes(name));
if (bundled.length > 0) throw new Error(`bundled code is a devDependency, not a dependency: ${bundled.join(', ')}`);

rmSync('dist', { recursive: true, force: true });

const entryPoints = {
  index: 'src/index.ts',
  middy: 'src/middy/index.ts',
};
// Process state lives on a global symbol (src/tracer/provider.ts), so these entries share one
// tracer even though each bundle has its own copy of the code.

// Whitespace and syntax minified, names kept: about half the bytes to parse, stack traces
// still readable.
const common = { bundle: true, platform: 'node', target: 'node20', external, sourcemap: false, logLevel: 'warning', minifyWhitespace: true, minifySyntax: true, legalComments: 'none' };

// What a traces-only library never runs must not be in what it loads (README, "Why one file").
// Of @opentelemetry/semantic-conventions only the few constants we use are kept.
const NEVER_BUNDLED = ['@opentelemetry/sdk-metrics/', '@opentelemetry/sdk-logs/', 'node_modules/@opentelemetry/api/'];
const SEMCONV_BYTES = 4096;
function checkInputs(result) {
  // Inputs esbuild read but shook out entirely have no bytes in any output.
  for (const [name, output] of Object.entries(result.metafile.outputs)) {
    const kept = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0);
    const found = kept.filter(([path]) => NEVER_BUNDLED.some((part) => path.includes(part))).map(([path]) => path);
    if (found.length > 0) throw new Error(`${name} must not contain: ${found.join(', ')}`);
    const semconv = kept.filter(([path]) => path.includes('@opentelemetry/semantic-conventions/')).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    if (semconv > SEMCONV_BYTES) throw new Error(`${name} holds ${semconv} bytes of @opentelemetry/semantic-conventions; only its constants belong there`);
  }
  return result;
}

/*
 * For Node, the ES module builds take @opentelemetry/api through require, as the CommonJS
 * builds do: its ES module build is some 50 files that Node's ES module loader reads and links
 * one by one, measurably slower at cold start than the same files through require (README,
 * "Why one file"). Both builds of the API keep their state in one global registry (keyed by
 * API version), so spans a user makes with `import { trace } from '@opentelemetry/api'` nest
 * under ours. Bundlers cannot follow that require, so they get dist/bundler/*.js, with a plain
 * import, through the `module` export condition (esbuild, webpack and Rollup match it; Node
 * does not).
 */
const apiNames = Object.keys(createRequire(import.meta.url)('@opentelemetry/api')).filter((name) => name !== 'default');
const apiThroughRequire = {
  name: 'api-through-require',
  setup(b) {
    b.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) => (args.namespace === 'api-cjs' ? { path: args.path, external: true } : { path: 'api', namespace: 'api-cjs' }));
    b.onLoad({ filter: /.*/, namespace: 'api-cjs' }, () => ({
      contents: `import { createRequire } from 'node:module';\nconst api = createRequire(import.meta.url)('@opentelemetry/api');\nexport const { ${apiNames.join(', ')} } = api;\n`,
      loader: 'js',
    }));
  },
};
// Node's built-ins stay ES module imports here. Taking them through require as well would avoid
// the lazy loading an import's namespace triggers (node:dns loads dns/promises), but which of a
// built-in's exports load modules when read differs between Node versions (on 22, reading
// util.parseArgs and util.diff does), so a name list made at build time is not safe.

await Promise.all([
  build({ ...common, metafile: true, plugins: [apiThroughRequire], entryPoints, format: 'esm', outdir: 'dist', outExtension: { '.js': '.js' } }).then(checkInputs),
  build({ ...common, metafile: true, entryPoints, format: 'esm', outdir: 'dist/bundler', outExtension: { '.js': '.js' } }).then(checkInputs),
  build({ ...common, metafile: true, entryPoints, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }).then(checkInputs),
  // The handler the plugin points at under `serverless offline` and `serverless invoke local`:
  // CommonJS, the one format both can load (src/layer/offline-handler.ts says why).
  build({ ...common, entryPoints: { 'offline-handler': 'src/layer/offline-handler.ts' }, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }),
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
