// `npm run bench:faults`: what each collector fault costs an invocation, and how many spans
// still arrive. 1,000 invocations per fault, each fault in a fresh function process against a
// collector on 127.0.0.1 (test/support/fault-collector.mjs) in this process.
//   node bench/faults.mjs [--readme]   (--readme writes the table into README.md)
// Added latency: each traced invocation's time (all but the first, cold one) minus the median of
// the same handler unwrapped, called interleaved with it. Default settings but the flush bound (100 ms instead of 500 ms,
// so that a fault that costs the bound runs in a minute, not five).
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startFaultCollector } from '../test/support/fault-collector.mjs';

const INVOCATIONS = Number(process.env.BENCH_FAULT_INVOCATIONS ?? 1000);
const FLUSH_BOUND_MS = 100;
const root = fileURLToPath(new URL('..', import.meta.url));

if (process.argv[2] === '--child') await child(process.argv[3]);
else await main();

/** The function: a trivial handler, wrapped, called INVOCATIONS times with the runtime's loop turn between calls. */
async function child(endpoint) {
  const { withTracing } = await import('../dist/index.js');
  const work = async () => ({ statusCode: 200, body: 'ok' });
  const traced = withTracing(work, { endpoint, flushTimeoutMs: FLUSH_BOUND_MS });
  const context = { awsRequestId: 'bench', functionName: 'faults', getRemainingTimeInMillis: () => 60_000 };
  const bare = [];
  const added = [];
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const ask = (message) =>
    new Promise((resolve) => {
      process.once('message', resolve);
      process.send(message);
    });
  for (let n = 0; n < INVOCATIONS; n++) {
    if (n === Math.floor(INVOCATIONS * 0.3)) await ask({ phase: 'down' });
    if (n === Math.floor(INVOCATIONS * 0.6)) await ask({ phase: 'up' });
    await turn();
    let start = performance.now();
    await work();
    bare.push(performance.now() - start);
    await turn();
    start = performance.now();
    await traced({ n }, context);
    added.push(performance.now() - start);
  }
  // As the runtime would between invocations: time for unwaited answers and kept spans to go.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  bare.sort((a, b) => a - b);
  const base = bare[Math.floor(bare.length / 2)];
  // The first invocation opens the connection on a cold process; cold starts are measured by `npm run bench`.
  const deltas = added.slice(1).map((ms) => ms - base).sort((a, b) => a - b);
  process.send({ done: { p50: deltas[Math.floor(deltas.length / 2)], max: deltas[deltas.length - 1] } });
}

async function main() {
  const faults = [
    ['none (collector answers)', 'ok', 'the baseline: spans written, the answer read later', {}],
    ['refused', 'refused', 'the connection is refused at once; spans kept (2,048 at most) until it answers', {}],
    ['never answers', 'hang', 'each request ends at its deadline (the flush bound) and its connection is replaced; once one has, an export finding both connections busy ends at once instead of waiting behind them; spans kept', {}],
    ['500', 'error500', 'reported once; the collector read the request, so its spans are not sent again (OTLP retries only 429, 502, 503, 504)', {}],
    ['reset mid-answer', 'reset', 'each request holds its connection until the reset (1 ms after half an answer head), so an export may wait for a free one; the connection is replaced; the collector read the request, its spans are not sent again', {}],
    ['not HTTP', 'not-http', 'reported once; the connection is closed and replaced; the collector read the request, its spans are not sent again', {}],
    ['idle connections closed (1 ms after each answer)', 'close-idle', 'a request on a connection idle over 1 ms waits one loop turn, which reads the close; one lost on a reused connection before any answer is sent again on a fresh one', { idleCloseMs: 1 }],
    ['trickling answer (1 byte / 100 ms)', 'trickle', 'cut off at the request deadline (the flush bound), connection replaced, and then as for no answer; a request cut off mid-answer is not sent again (the collector read it), one not sent is kept', { trickleMs: 100 }],
    ['unresolvable host (`collector.invalid`)', 'unresolvable', 'one lookup; the failure is remembered (1 s, doubling to 60 s) and each export fails at once; spans kept', {}],
    ['collector restarted (down for the middle 30%)', 'restart', 'refused while down; what was kept goes with the first export it answers', {}],
  ];
  const rows = [];
  for (const [label, fault, what, options] of faults) {
    console.error(`bench: fault ${label}…`);
    const collector = fault === 'unresolvable' ? undefined : await startFaultCollector({ fault: fault === 'restart' || fault === 'refused' ? 'ok' : fault, ...options });
    if (fault === 'refused') await collector.stop();
    const endpoint = fault === 'unresolvable' ? 'http://collector.invalid:4318' : collector.url;
    const run = fork(fileURLToPath(import.meta.url), ['--child', endpoint], { execArgv: ['--no-warnings'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const started = performance.now();
    const result = await new Promise((resolve, reject) => {
      run.on('message', async (message) => {
        if (message.phase === 'down') {
          if (fault === 'restart') await collector.stop();
          run.send('go');
        } else if (message.phase === 'up') {
          if (fault === 'restart') await collector.start();
          run.send('go');
        } else if (message.done) resolve(message.done);
      });
      run.on('exit', (code) => code !== 0 && reject(new Error(`${fault}: the function exited with ${code}`)));
    });
    const exited = await new Promise((resolve) => (run.exitCode !== null ? resolve(true) : run.once('exit', () => resolve(true))));
    const delivered = collector?.delivered.size ?? 0;
    await collector?.close();
    rows.push({ label, what, ...result, delivered, seconds: (performance.now() - started) / 1000, exited });
  }
  const ms = (n) => `${n.toFixed(2)} ms`;
  const table = [
    `| fault | added latency p50 / max | spans delivered (of ${INVOCATIONS}) | what happens |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${ms(r.p50)} / ${ms(r.max)} | ${r.delivered} | ${r.what} |`),
  ].join('\n');
  const machine = `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, flushTimeoutMs ${FLUSH_BOUND_MS}, exportWait sent`;
  console.log(`${table}\n\n${machine}`);
  if (process.argv.includes('--readme')) {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const block = `<!-- faults:start -->\n${table}\n\nMeasured ${machine}.\n<!-- faults:end -->`;
    writeFileSync(`${root}README.md`, readme.replace(/<!-- faults:start -->[\s\S]*<!-- faults:end -->/, block));
  }
}
