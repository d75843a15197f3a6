// The OTLP/protobuf request body: src/tracer/otlp-protobuf.ts against OpenTelemetry's
// ProtobufTraceSerializer, for the same spans recorded by OpenTelemetry's SDK.
//   node bench/otlp-encode.mjs        (BENCH_ENCODE_RUNS fresh processes each, default 15)
// Cold: the first serialisation in a fresh process, one invocation span, as a cold start's
// first export does it. Warm: a 10-span request, interleaved, median per request.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { importSource, quantile } from './lib.mjs';

const modules = () =>
  importSource('otlp-encode', [
    "export { encodeTraceRequest } from './src/tracer/otlp-protobuf.ts';",
    "export { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';",
    "export { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';",
    "export { resourceFromAttributes } from '@opentelemetry/resources';",
  ]);

async function recordSpans(m, count) {
  const memory = new m.InMemorySpanExporter();
  const provider = new m.TracerProvider({
    resource: m.resourceFromAttributes({ 'service.name': 'bench', 'cloud.provider': 'aws', 'cloud.region': 'us-east-1', 'faas.name': 'bench', 'faas.max_memory': 1024 }),
    spanProcessors: [new m.SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('lambda-baton', '0.1.0');
  for (let i = 0; i < count; i++) {
    tracer
      .startSpan('GET /orders/{id}', {
        kind: 1,
        attributes: { 'faas.trigger': 'http', 'faas.invocation_id': `c6af9ac6-7b61-11e6-9a41-93e81234567${i % 10}`, 'http.request.method': 'GET', 'url.path': '/orders/42', 'http.route': '/orders/{id}', 'http.response.status_code': 200, 'faas.coldstart': i === 0 },
      })
      .end();
  }
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

async function child(which) {
  const m = await modules();
  const spans = await recordSpans(m, 1);
  const encode = which === 'ours' ? m.encodeTraceRequest : (s) => m.ProtobufTraceSerializer.serializeRequest(s);
  const start = performance.now();
  encode(spans);
  process.stdout.write(`${performance.now() - start}\n`);
}

async function main() {
  const runs = Math.max(5, Number(process.env.BENCH_ENCODE_RUNS ?? 15));
  await modules(); // build once before timing
  const cold = { ours: [], otel: [] };
  for (let i = 0; i < runs; i++) {
    for (const which of i % 2 === 0 ? ['ours', 'otel'] : ['otel', 'ours']) {
      const out = spawnSync(process.execPath, ['--no-warnings', fileURLToPath(import.meta.url), '--child', which], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      cold[which].push(Number(out.stdout));
    }
  }
  const m = await modules();
  const spans = await recordSpans(m, 10);
  const same = Buffer.from(m.encodeTraceRequest(spans)).equals(Buffer.from(m.ProtobufTraceSerializer.serializeRequest(spans)));
  if (!same) throw new Error('the two request bodies differ');
  const warm = { ours: [], otel: [] };
  const encoders = { ours: () => m.encodeTraceRequest(spans), otel: () => m.ProtobufTraceSerializer.serializeRequest(spans) };
  for (let round = 0; round < 400; round++) {
    for (const which of round % 2 === 0 ? ['ours', 'otel'] : ['otel', 'ours']) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) encoders[which]();
      warm[which].push(Number(process.hrtime.bigint() - start) / 20 / 1000);
    }
  }
  const result = {
    runs,
    coldFirstMs: { ours: median(cold.ours), otel: median(cold.otel) },
    // The first 100 rounds are warm-up.
    warmUsPer10Spans: { ours: median(warm.ours.slice(100)), otel: median(warm.otel.slice(100)) },
  };
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[2] === '--child') await child(process.argv[3]);
else await main();
