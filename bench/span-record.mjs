// Recording one invocation-like span: our tracer and span (src/tracer/tracer.ts, span.ts)
// against OpenTelemetry's SDK, interleaved in one process, median per span.
//   node bench/span-record.mjs        (BENCH_ITERATIONS, default 200000)
// The span gets the attributes an API Gateway invocation span gets (15 scalars) and is ended;
// both processors keep nothing, so only recording is timed.
import { importSource, quantile } from './lib.mjs';

const m = await importSource('span-record', [
  "export { BatonTracerProvider } from './src/tracer/tracer.ts';",
  "export { TracerProvider, AlwaysOnSampler } from '@opentelemetry/sdk-trace';",
  "export { resourceFromAttributes } from '@opentelemetry/resources';",
]);
const resource = m.resourceFromAttributes({ 'service.name': 'bench' });
const nothing = { onStart() {}, onEnd() {}, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
const tracers = {
  ours: new m.BatonTracerProvider({ resource, sampler: new m.AlwaysOnSampler(), processor: nothing }).getTracer('bench'),
  sdk: new m.TracerProvider({ resource, sampler: new m.AlwaysOnSampler(), spanProcessors: [nothing] }).getTracer('bench'),
};
const attributes = {
  'faas.trigger': 'http', 'faas.coldstart': false, 'faas.invocation_id': 'c6af9ac6-7b61-11e6-9a41-93e812345678', 'cloud.account.id': '123456789012',
  'cloud.resource_id': 'arn:aws:lambda:us-east-1:123456789012:function:orders', 'aws.lambda.invoked_arn': 'arn:aws:lambda:us-east-1:123456789012:function:orders',
  'http.request.method': 'GET', 'url.path': '/orders/o-123', 'url.scheme': 'https', 'http.route': '/orders/{id}', 'server.address': 'api.example.com',
  'user_agent.original': 'curl/8.5.0', 'client.address': '198.51.100.7', 'network.protocol.version': '1.1', 'http.response.status_code': 200,
};
const record = (tracer) => {
  const span = tracer.startSpan('GET /orders/{id}', { kind: 1 });
  span.setAttributes(attributes);
  span.end();
};
const iterations = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const samples = { ours: [], sdk: [] };
for (let i = 0; i < iterations + 20_000; i++) {
  for (const name of i % 2 ? ['ours', 'sdk'] : ['sdk', 'ours']) {
    const t = process.hrtime.bigint();
    record(tracers[name]);
    if (i >= 20_000) samples[name].push(Number(process.hrtime.bigint() - t) / 1e3);
  }
}
const p50 = (xs) => quantile(xs.sort((a, b) => a - b), 0.5);
const [ours, sdk] = [p50(samples.ours), p50(samples.sdk)];
console.log(JSON.stringify({ oursP50Us: +ours.toFixed(2), sdkP50Us: +sdk.toFixed(2), ratio: +(ours / sdk).toFixed(2) }));
