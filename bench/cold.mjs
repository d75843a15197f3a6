// Cold start, bare against the layer, in paired fresh processes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startSinkProcess, summarise } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pairs = Number(process.env.BENCH_COLD_PAIRS ?? 20);
const event = join(here, '../test/events/apigw-http/w3c.json');

function once(mode, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--no-warnings', join(here, 'cold-child.mjs'), mode, event], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /done ([\d.]+)/.exec(out);
      if (match) {
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        resolve({ wallMs, cpuMs: Number(match[1]) });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`${mode} exited ${code}`)));
  });
}

export async function coldStart() {
  const sink = await startSinkProcess();
  const base = { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'us-east-1' };
  const layerEnv = {
    ...base,
    BATON_LAYER_HANDLER: join(here, '../layer/dist/opt/nodejs/node_modules/lambda-baton/handler.mjs'),
    BATON_HANDLER: 'app.handler',
    LAMBDA_TASK_ROOT: join(here, 'fixture'),
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
  };
  const rows = { bare: [], layer: [] };
  await once('bare', base); // warm the file system cache for both
  await once('layer', layerEnv);
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first so drift hits both alike.
    const order = i % 2 === 0 ? ['bare', 'layer'] : ['layer', 'bare'];
    for (const mode of order) rows[mode].push(await once(mode, mode === 'bare' ? base : layerEnv));
  }
  await sink.close();
  const ratio = (k) => summarise(rows.layer.map((r, i) => r[k] / rows.bare[i][k])).p50;
  const delta = (k) => summarise(rows.layer.map((r, i) => r[k] - rows.bare[i][k])).p50;
  return {
    pairs,
    wall: { bare: summarise(rows.bare.map((r) => r.wallMs)).p50, layer: summarise(rows.layer.map((r) => r.wallMs)).p50, ratio: ratio('wallMs'), delta: delta('wallMs') },
    cpu: { bare: summarise(rows.bare.map((r) => r.cpuMs)).p50, layer: summarise(rows.layer.map((r) => r.cpuMs)).p50, ratio: ratio('cpuMs'), delta: delta('cpuMs') },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await coldStart(), null, 2));
