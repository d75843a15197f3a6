// Shared helpers for the benchmarks: statistics and a minimal OTLP sink on 127.0.0.1.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

export function loadEvent(trigger, name) {
  return JSON.parse(readFileSync(new URL(`../test/events/${trigger}/${name}.json`, import.meta.url), 'utf8'));
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export function summarise(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: sorted.length };
}

/** The OTLP sink in a child process (see sink.mjs). */
export async function startSinkProcess() {
  const { fork } = await import('node:child_process');
  const child = fork(new URL('./sink.mjs', import.meta.url), [], { stdio: 'ignore' });
  const url = await new Promise((resolve) => child.once('message', (m) => resolve(m.url)));
  const requests = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.requests));
      child.send('count');
    });
  return { url, requests, close: async () => child.kill() };
}

/** An OTLP/HTTP sink that answers 200 and counts what it received. */
export async function startSink() {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

export function lambdaContext() {
  const deadline = Date.now() + 60_000;
  return {
    functionName: 'bench',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    memoryLimitInMB: '1024',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/**
 * Run `variants` interleaved (A, B, C, A, B, C...) so drift and noise hit all of them alike;
 * returns per-variant samples in microseconds.
 *
 * `turn`: let the event loop run once before each call, outside the timed part. Between two
 * invocations the Lambda runtime does I/O of its own (it posts the result, then waits for the
 * next event), so sockets are read then: a collector's answer to the last export is read
 * there, not inside the next invocation. A tight loop of promise callbacks never polls, so
 * without it every export would wait behind the answers of the ones before.
 */
export async function interleaved(variants, iterations, warmup, { turn = false } = {}) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < warmup + iterations; i++) {
    for (const [name, run] of Object.entries(variants)) {
      if (turn) await new Promise((resolve) => setImmediate(resolve));
      const start = process.hrtime.bigint();
      await run();
      const us = Number(process.hrtime.bigint() - start) / 1000;
      if (i >= warmup) samples[name].push(us);
    }
  }
  return samples;
}

/**
 * Our source modules, bundled by esbuild as the package build bundles them (runtime dependencies
 * and peers external, so the benchmark's @opentelemetry/api and SDK are the ones it imports),
 * and imported. `exports`: lines of `export { … } from './src/…'`.
 */
export async function importSource(name, exports) {
  const { build } = await import('esbuild');
  const { mkdirSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const outfile = join(root, `node_modules/.cache/lambda-baton-bench/${name}.mjs`);
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: exports.join('\n'), resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})],
    outfile,
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

export const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

/** Paired runs against `rows.bare`: median of the pairs, and the range (lowest to highest pair). */
export function paired(rows, name, key) {
  const ratios = rows[name].map((r, i) => r[key] / rows.bare[i][key]).sort((a, b) => a - b);
  const deltas = rows[name].map((r, i) => r[key] - rows.bare[i][key]).sort((a, b) => a - b);
  return {
    bare: median(rows.bare.map((r) => r[key])),
    traced: median(rows[name].map((r) => r[key])),
    ratio: median(ratios),
    ratioRange: [ratios[0], ratios[ratios.length - 1]],
    delta: median(deltas),
    deltaRange: [deltas[0], deltas[deltas.length - 1]],
  };
}
