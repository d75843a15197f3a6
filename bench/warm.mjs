// Warm per-invocation cost: an uninstrumented handler against withTracing, in one process.
// Usage: node bench/warm.mjs [span|export]   (each mode needs its own process: one tracer per process)
import { interleaved, lambdaContext, loadEvent, startSinkProcess, summarise } from './lib.mjs';

const mode = process.argv[2] ?? 'span';
const iterations = Number(process.env.BENCH_ITERATIONS ?? 3000);
const sink = mode === 'export' ? await startSinkProcess() : undefined;
const { withTracing } = await import('../dist/index.js');

const options = mode === 'export' ? { endpoint: sink.url, flushTimeoutMs: 1000 } : { exporter: 'none' };
const work = async (event) => ({ statusCode: 200, body: String(event?.Records?.length ?? 1) });
const bare = work;
const traced = withTracing(work, options);

const cases = { 'API Gateway': loadEvent('apigw-rest', 'w3c'), 'SQS batch of 10': loadEvent('sqs', 'batch-mixed') };
const rows = [];
for (const [label, event] of Object.entries(cases)) {
  const context = lambdaContext();
  const samples = await interleaved(
    { bare: () => bare(structuredClone(event), context), traced: () => traced(structuredClone(event), context) },
    iterations,
    500,
  );
  const b = summarise(samples.bare);
  const t = summarise(samples.traced);
  rows.push({ case: label, mode, bareP50: b.p50, tracedP50: t.p50, deltaP50: t.p50 - b.p50, bareP99: b.p99, tracedP99: t.p99, deltaP99: t.p99 - b.p99 });
}
await sink?.close();
console.log(JSON.stringify(rows));
