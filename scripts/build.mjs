// Builds the npm package with esbuild (declarations come from tsc).
// Runtime dependencies stay external, except @opentelemetry/semantic-conventions: we inline
// the few constants we use, because its incubating entry point is megabytes to load.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

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
  build({ ...common, external: [], entryPoints: { 'cli/baton': 'src/cli/baton.ts' }, format: 'cjs', outdir: 'dist', outExtension: { '.js': '.cjs' } }),
]);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
