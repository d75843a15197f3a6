// Cold start under aws-lambda-ric (BATON_RIC_DIR, as the tests use it), the runtime interface
// client Lambda's container images run, against a Runtime API on 127.0.0.1: from starting the
// runtime to its first /response, paired against the bare handler as bench/cold.mjs does. The
// layer runs through its exec wrapper, as AWS_LAMBDA_EXEC_WRAPPER makes Lambda run it. CPU is the
// runtime process's own (all its threads, /proc/<pid>/task/*/schedstat), read at the response.
//   node bench/cold-ric.mjs [npm|layer|redirect|bundled ...]   (BENCH_COLD_PAIRS, default 20)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundles } from './bundles.mjs';
import { LABELS } from './labels.mjs';
import { paired, startSinkProcess } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pairs = Math.max(15, Number(process.env.BENCH_COLD_PAIRS ?? 20));
const event = readFileSync(join(here, '../test/events/apigw-http/w3c.json'), 'utf8');

/** Where each variant's handler lives (LAMBDA_TASK_ROOT) and what the runtime is told to load. */
const VARIANTS = {
  bare: { label: LABELS.bare, root: join(here, 'fixture'), handler: 'app.handler' },
  npm: { label: LABELS.npm, root: join(here, 'fixture'), handler: 'npm-app.handler' },
  layer: { label: LABELS.layer, root: join(here, 'fixture'), handler: 'app.handler', wrapper: join(here, '../layer/dist/opt/baton-wrapper') },
  redirect: { label: LABELS.redirect, root: join(here, 'fixture'), handler: join(here, '../layer/dist/opt/nodejs/node_modules/lambda-baton/handler.handler'), env: { BATON_HANDLER: 'app.handler' } },
  bundled: { label: LABELS.bundled, root: join(here, '.build'), handler: 'bundled-app.handler' },
  floor: { label: LABELS.floor, root: join(here, '.build'), handler: 'floor-app.handler' },
};

/** The CPU time a process and all its threads have used, in ms. */
function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e6;
}

/**
 * A Runtime API that hands out one invocation per runtime and reports when it is answered. Not
 * in the runtime's process: aws-lambda-ric posts its answer with a blocking call.
 */
async function startRuntimeApi() {
  let run;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('/invocation/next')) {
        if (run === undefined || run.handedOut) return; // the next one waits: the run ends at the answer
        run.handedOut = true;
        res.writeHead(200, {
          'content-type': 'application/json',
          'lambda-runtime-aws-request-id': 'bench-1',
          'lambda-runtime-deadline-ms': String(Date.now() + 30_000),
          'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:bench',
          'lambda-runtime-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
        });
        res.end(event);
        return;
      }
      const answered = run;
      res.writeHead(202);
      res.end();
      if (answered !== undefined && /\/invocation\/[^/]+\/(response|error)$/.test(req.url ?? '')) {
        run = undefined;
        answered.answered(req.url.endsWith('/error'));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${server.address().port}`,
    expect: (answered) => (run = { handedOut: false, answered }),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

function once(ric, api, variant, env) {
  return new Promise((resolve, reject) => {
    const runtime = [process.execPath, '--no-warnings', join(ric, 'bin/index.mjs'), variant.handler];
    const [file, ...args] = variant.wrapper === undefined ? runtime : [variant.wrapper, ...runtime];
    const start = process.hrtime.bigint();
    let child;
    api.expect((failed) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const cpu = cpuMs(child.pid);
      // The next run starts once this runtime is gone: its next /next must not take that run's event.
      child.once('exit', () => (failed ? reject(new Error(`${variant.label}: the handler failed under aws-lambda-ric`)) : resolve({ wallMs, cpuMs: cpu })));
      child.kill('SIGKILL');
    });
    child = spawn(file, args, {
      cwd: variant.root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...env, ...variant.env, LAMBDA_TASK_ROOT: variant.root, _HANDLER: variant.handler, ...(variant.wrapper === undefined ? {} : { AWS_LAMBDA_EXEC_WRAPPER: variant.wrapper }) },
    });
    child.on('error', reject);
  });
}

/** The variants run under the runtime, by default and from bench/cold.mjs. */
export const RIC_VARIANTS = ['npm', 'layer', 'redirect', 'bundled', 'floor'];

/** The cold-start result (bench/cold.mjs's shape) under aws-lambda-ric, or why it was skipped. */
export async function coldStartUnderRic({ variants = RIC_VARIANTS } = {}) {
  const ric = process.env.BATON_RIC_DIR ?? '/tmp/ric/node_modules/aws-lambda-ric';
  if (!existsSync(join(ric, 'bin/index.mjs'))) return { skipped: `no aws-lambda-ric at ${ric}` };
  await buildBundles();
  const sink = await startSinkProcess();
  const api = await startRuntimeApi();
  const env = {
    PATH: process.env.PATH,
    AWS_LAMBDA_RUNTIME_API: api.address,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_REGION: 'us-east-1',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url.replace('127.0.0.1', 'localhost'),
  };
  const names = ['bare', ...variants];
  const rows = Object.fromEntries(names.map((n) => [n, []]));
  try {
    for (const n of names) await once(ric, api, VARIANTS[n], env); // warm the file system cache
    for (let i = 0; i < pairs; i++) {
      const order = names.map((_, k) => names[(i + k) % names.length]);
      for (const n of order) rows[n].push(await once(ric, api, VARIANTS[n], env));
    }
  } finally {
    await api.close();
    await sink.close();
  }
  const result = { pairs, variants: {} };
  for (const n of variants) result.variants[n] = { label: VARIANTS[n].label, wall: paired(rows, n, 'wallMs'), cpu: paired(rows, n, 'cpuMs') };
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  console.log(JSON.stringify(await coldStartUnderRic(only.length > 0 ? { variants: only } : {}), null, 2));
}
