// Warm per-invocation cost: an uninstrumented handler against the same handler wrapped, in one
// process, interleaved. Each mode needs its own process (one tracer provider per process):
//   node bench/warm.mjs span|export          lambda-baton, without and with export
//   node bench/warm.mjs otel-span|otel-export  OpenTelemetry's Lambda instrumentation, the reference
import { readFileSync } from 'node:fs';
import { interleaved, lambdaContext, startSinkProcess, summarise } from './lib.mjs';

const mode = process.argv[2] ?? 'span';
const exporting = mode.endsWith('export');
// Long enough for V8 to optimise both handlers: the first few thousand calls measure the JIT, not the code.
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20000);
const warmup = Number(process.env.BENCH_WARMUP ?? 5000);
const sink = exporting ? await startSinkProcess() : undefined;

const work = async (event) => ({ statusCode: 200, body: String(event?.Records?.length ?? 1) });
let traced;
if (mode.startsWith('otel')) {
  const { otelWrap } = await import('./otel-lambda.mjs');
  traced = otelWrap(work, sink?.url);
} else {
  const { withTracing } = await import('../dist/index.js');
  traced = withTracing(work, exporting ? { endpoint: sink.url, flushTimeoutMs: 1000 } : { exporter: 'none' });
}

// Each invocation gets a fresh event parsed from JSON text, as the runtime gives one.
const text = (trigger, name) => readFileSync(new URL(`../test/events/${trigger}/${name}.json`, import.meta.url), 'utf8');
// Two batches: every record from an instrumented producer (the usual case), and one record of
// each kind of carrier (W3C, B3, X-Ray only, SNS-shaped body, none: the worst case).
const cases = {
  'API Gateway': text('apigw-rest', 'w3c'),
  'SQS batch of 10, W3C': text('sqs', 'batch-w3c'),
  'SQS batch of 10, mixed carriers': text('sqs', 'batch-mixed'),
};
const rows = [];
for (const [label, json] of Object.entries(cases)) {
  const context = lambdaContext();
  const before = await sink?.requests();
  const samples = await interleaved(
    { bare: () => work(JSON.parse(json), context), traced: () => traced(JSON.parse(json), context) },
    iterations,
    warmup,
    // Export runs need the runtime's event-loop turn between invocations (see interleaved);
    // span runs have no I/O to read, and keep the tight loop of earlier figures.
    { turn: exporting },
  );
  if (sink !== undefined) {
    // Every traced invocation exports its span: fewer requests means an export that failed quietly.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const arrived = (await sink.requests()) - before;
    if (arrived < (iterations + warmup) * 0.9) throw new Error(`${mode}, ${label}: the sink received ${arrived} exports for ${iterations + warmup} invocations`);
  }
  const b = summarise(samples.bare);
  const t = summarise(samples.traced);
  rows.push({ case: label, mode, bareP50: b.p50, tracedP50: t.p50, deltaP50: t.p50 - b.p50, bareP99: b.p99, tracedP99: t.p99, deltaP99: t.p99 - b.p99 });
}
await sink?.close();
console.log(JSON.stringify(rows));
