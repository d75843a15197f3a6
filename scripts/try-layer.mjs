// `node scripts/try-layer.mjs <task root> <handler> [event.json] [--otlp <collector url>]`
//
// Runs your handler the way Lambda runs it with the layer attached: AWS's runtime interface client
// (aws-lambda-ric, built by .ci/build-ric.sh; BATON_RIC_DIR, default /tmp/ric/node_modules/aws-lambda-ric)
// started through the layer's exec wrapper (layer/dist/opt/baton-wrapper, from `npm run build:layer`),
// against the local Runtime API the tests use (test/support/runtime-api.ts). It sends one event, prints
// the result and what the function printed. Spans go to the console exporter (printed with the
// function's output), or to a collector with --otlp.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const otlpAt = args.indexOf('--otlp');
const otlp = otlpAt === -1 ? undefined : args.splice(otlpAt, 2)[1];
const [taskRoot, handler, eventFile] = args;
const usage = 'usage: node scripts/try-layer.mjs <task root> <handler, e.g. index.handler> [event.json] [--otlp http://localhost:4318]';
if (taskRoot === undefined || handler === undefined || (otlpAt !== -1 && !otlp)) {
  console.error(usage);
  process.exit(2);
}
const ricDir = process.env.BATON_RIC_DIR ?? '/tmp/ric/node_modules/aws-lambda-ric';
const opt = join(root, 'layer/dist/opt');
for (const [path, fix] of [
  [ricDir, 'build it with `bash .ci/build-ric.sh` or set BATON_RIC_DIR'],
  [join(opt, 'baton-wrapper'), 'build the layer with `npm run build:layer`'],
]) {
  if (!existsSync(path)) {
    console.error(`try-layer: ${path} is missing: ${fix}`);
    process.exit(2);
  }
}
const event = eventFile === undefined ? {} : JSON.parse(readFileSync(eventFile, 'utf8'));

// The Runtime API and the RIC launcher are the tests' own TypeScript: bundle them for plain node.
const out = mkdtempSync(join(tmpdir(), 'baton-try-layer-'));
await build({
  entryPoints: { 'runtime-api': join(root, 'test/support/runtime-api.ts'), 'run-ric': join(root, 'test/support/run-ric.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
const { startRuntimeApi } = await import(pathToFileURL(join(out, 'runtime-api.mjs')).href);
const { startRic } = await import(pathToFileURL(join(out, 'run-ric.mjs')).href);

const api = await startRuntimeApi();
const ric = await startRic({
  ricBin: ricDir,
  taskRoot: resolve(taskRoot),
  handler,
  runtimeApi: api,
  execWrapper: join(opt, 'baton-wrapper'),
  env: {
    AWS_LAMBDA_RUNTIME_API: api.address,
    // Where Lambda puts a Node.js layer's packages.
    NODE_PATH: join(opt, 'nodejs/node_modules'),
    ...(otlp === undefined ? { OTEL_TRACES_EXPORTER: 'console' } : { OTEL_EXPORTER_OTLP_ENDPOINT: otlp }),
    ...(process.env.OTEL_SERVICE_NAME ? { OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME } : {}),
  },
});
let code = 0;
try {
  const outcome = await api.invoke(event);
  console.log('--- function output');
  process.stdout.write(ric.stdout());
  process.stdout.write(ric.stderr());
  console.log('--- outcome');
  console.log(JSON.stringify(outcome, null, 2));
  if (outcome.error !== undefined) code = 1;
} finally {
  await ric.stop();
  await api.close();
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
