// Builds the npm package with esbuild (declarations come from tsc).
// Runtime dependencies stay external, except @opentelemetry/semantic-conventions: we inline
// the few constants we use, because its incubating entry point is megabytes to load.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

rmSync('dist', { recursive: true, force: true });

const entryPoints = {
  index: 'src/index.ts',
  middy: 'src/middy/index.ts',
};
// Process state lives on a global symbol (src/tracer/provider.ts), so these entries share one
// tracer even though each bundle has its own copy of the code.

const common = { bundle: true, platform: 'node', target: 'node20', external, sourcemap: false, logLevel: 'warning' };

await Promise.all([
  build({ ...common, entryPoints, format: 'esm', outdir: 'dist', outExtension: { '.js': '.js' } }),
  build({ ...common, entryPoints, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }),
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
