// `npm run build:layer`: the Lambda layer zip, built by esbuild from the same sources.
//   baton-wrapper                                 the AWS_LAMBDA_EXEC_WRAPPER script
//   nodejs/node_modules/lambda-baton/index.cjs    the library and the layer entry, one bundle
//   nodejs/node_modules/lambda-baton/handler.mjs  the handler the runtime loads
//   nodejs/node_modules/lambda-baton/package.json
// No @aws-sdk/* inside: it would shadow the runtime's copy (design.md section 6).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoLazyModules, noLazyDetectors } from '../scripts/no-lazy-detectors.mjs';
import { writeZip } from './zip.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, 'dist');
const staging = join(out, 'opt');
const pkgDir = join(staging, 'nodejs', 'node_modules', 'lambda-baton');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

rmSync(out, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });

const options = {
  entryPoints: [join(root, 'src/layer/bundle.ts')],
  outfile: join(pkgDir, 'index.cjs'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*', '@smithy/*', '@middy/*'],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noLazyDetectors],
};
// Minified output no longer names its modules, so the same build unminified is what is checked.
const [result] = await Promise.all([build(options), build({ ...options, minify: false, write: false }).then(assertNoLazyModules)]);
const bundled = Object.keys(result.metafile.inputs).filter((p) => p.includes('@aws-sdk/'));
if (bundled.length > 0) throw new Error(`the layer must not contain @aws-sdk: ${bundled.join(', ')}`);

copyFileSync(join(here, 'handler.mjs'), join(pkgDir, 'handler.mjs'));
// One module instance for `import` and `require` alike: both conditions point at the bundle.
writeFileSync(
  join(pkgDir, 'package.json'),
  `${JSON.stringify({ name: 'lambda-baton', version, main: './index.cjs', exports: { '.': './index.cjs', './handler': './handler.mjs' } }, null, 2)}\n`,
);
copyFileSync(join(here, 'baton-wrapper'), join(staging, 'baton-wrapper'));
chmodSync(join(staging, 'baton-wrapper'), 0o755);

const files = ['baton-wrapper', 'nodejs/node_modules/lambda-baton/package.json', 'nodejs/node_modules/lambda-baton/index.cjs', 'nodejs/node_modules/lambda-baton/handler.mjs'];
const zipPath = join(out, 'lambda-baton-layer.zip');
writeZip(
  zipPath,
  files.map((name) => ({ name, data: readFileSync(join(staging, name)), mode: statSync(join(staging, name)).mode & 0o777 })),
);
console.log(`layer: ${relative(root, zipPath)} ${statSync(zipPath).size} bytes (unpacked in ${relative(root, staging)})`);
