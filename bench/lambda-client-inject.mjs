// What instrumenting a Lambda client costs per synchronous Invoke.
//
//   node bench/lambda-client-inject.mjs [calls]
//
// Bundles src/clients/lambda.ts (and the tracer it uses) with esbuild, as the package build
// does, then measures against a real HTTP server on 127.0.0.1:
//   1. `send` of a real LambdaClient, uninstrumented and instrumented, interleaved call by call
//      in one run so both see the same machine state; the difference is our middleware's cost
//      (CLIENT span start/end, inject, ClientContext merge and encoding);
//   2. the injection function alone (`injectInvoke`: propagator inject + ClientContext merge),
//      without the SDK or the network.
// Spans go to a BatchSpanProcessor with an exporter that discards them, so span recording is
// counted and export (which runs off the call path) is not.
import { createServer } from 'node:http';
import { importSource } from './lib.mjs';

const calls = Number(process.argv[2] ?? 5000);
const warmup = 500;

// --- Bundle ------------------------------------------------------------------
const { instrumentLambdaClient, injectInvoke, getTracing } = await importSource('lambda-client', [
  "export { instrumentLambdaClient } from './src/clients/index.ts';",
  "export { injectInvoke } from './src/clients/lambda.ts';",
  "export { getTracing } from './src/tracer/provider.ts';",
]);
const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
const { ROOT_CONTEXT, context, trace } = await import('@opentelemetry/api');

// --- Tracing, a local "Lambda", two clients -----------------------------------
const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const tracing = getTracing({ exporter: discard, serviceName: 'bench' }, {});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'Content-Length': '11' });
    res.end('{"ok":true}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}`;
const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const plain = new LambdaClient(config);
const traced = instrumentLambdaClient(new LambdaClient(config));

// Calls run under an active span, as inside a traced handler.
const parentSpan = tracing.tracer.startSpan('bench-invocation');
const parent = trace.setSpan(ROOT_CONTEXT, parentSpan);
const callerContext = Buffer.from(
  JSON.stringify({ client: { app_title: 'bench', installation_id: 'abc' }, env: { platform: 'linux' }, custom: { tenant: 'acme' } }),
).toString('base64');
const input = () => ({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders:live', Payload: '{"orderId":42,"items":[1,2,3]}' });

// --- Measurement ---------------------------------------------------------------
const micros = (start) => Number(process.hrtime.bigint() - start) / 1000;
function stats(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p99: at(0.99) };
}

async function timeSend(client) {
  const start = process.hrtime.bigint();
  await client.send(new InvokeCommand(input()));
  return micros(start);
}

const sendPlain = [];
const sendTraced = [];
await context.with(parent, async () => {
  for (let i = 0; i < warmup; i++) {
    await timeSend(plain);
    await timeSend(traced);
  }
  // Interleaved, alternating which goes first, so drift and GC hit both alike.
  for (let i = 0; i < calls; i++) {
    // Export what has ended now and then, as each invocation does, outside the timed calls.
    if (i % 200 === 0) await tracing.flush(1000);
    if (i % 2 === 0) {
      sendPlain.push(await timeSend(plain));
      sendTraced.push(await timeSend(traced));
    } else {
      sendTraced.push(await timeSend(traced));
      sendPlain.push(await timeSend(plain));
    }
  }
});

function timeSync(fn, n) {
  for (let i = 0; i < warmup * 4; i++) fn();
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = micros(start);
  }
  return samples;
}

const injectCalls = calls * 4;
const clientSpan = tracing.tracer.startSpan('orders', {}, parent);
const spanContext = trace.setSpan(parent, clientSpan);
const syncInput = input();
const syncWithCaller = { ...input(), ClientContext: callerContext };
const eventInput = { ...input(), InvocationType: 'Event', Payload: JSON.stringify({ orderId: 42, lines: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) }) };
await tracing.flush(1000);
const timer = timeSync(() => undefined, injectCalls);
const injectSync = timeSync(() => injectInvoke(tracing, 'Invoke', syncInput, spanContext, true), injectCalls);
const injectSyncCaller = timeSync(() => injectInvoke(tracing, 'Invoke', syncWithCaller, spanContext, true), injectCalls);
const injectEvent = timeSync(() => injectInvoke(tracing, 'Invoke', eventInput, spanContext, true), injectCalls);
// The whole middleware (span start, inject, merge, span end) with a `next` that answers at
// once: the instrumented client's per-call CPU cost, without SDK or network noise. The
// middleware is taken from a structural stand-in for a client, as any client is recognised.
let middleware;
instrumentLambdaClient({ middlewareStack: { add: (mw) => (middleware = mw), addRelativeTo() {} }, config: { region: 'us-east-1', serviceId: 'Lambda' } });
const answer = { output: { StatusCode: 200, $metadata: { requestId: 'r' } }, response: {} };
const handler = middleware(async () => answer, { clientName: 'LambdaClient', commandName: 'InvokeCommand' });
const passThrough = async () => answer;
async function timeAsync(fn, n) {
  for (let i = 0; i < warmup * 4; i++) await fn();
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) await tracing.flush(1000);
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = micros(start);
  }
  return samples;
}
const [middlewareAlone, nextAlone] = await context.with(parent, async () => [
  await timeAsync(() => handler({ input: syncInput }), injectCalls),
  await timeAsync(() => passThrough({ input: syncInput }), injectCalls),
]);
clientSpan.end();
parentSpan.end();

// Check the instrumented client really injected (a benchmark of a no-op proves nothing).
let sawHeader = false;
server.removeAllListeners('request');
server.on('request', (req, res) => {
  sawHeader = typeof req.headers['x-amz-client-context'] === 'string';
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' }).end('{}'));
});
await context.with(parent, () => traced.send(new InvokeCommand(input())));

server.close();
plain.destroy();
traced.destroy();

// --- Report --------------------------------------------------------------------
const rows = [
  ['send, uninstrumented', stats(sendPlain)],
  ['send, instrumented', stats(sendTraced)],
];
const [p, t] = [rows[0][1], rows[1][1]];
rows.push(['  delta of the two rows above', { median: t.median - p.median, p99: t.p99 - p.p99 }]);
// Calls are paired (one of each, back to back): the distribution of per-pair differences is
// less sensitive to the machine's drift than the difference of two medians.
rows.push(['  per-pair delta (instrumented - plain)', stats(sendTraced.map((v, i) => v - sendPlain[i]))]);
rows.push(['middleware alone, sync, next answers at once', stats(middlewareAlone)]);
rows.push(['  (the same call to next, no middleware)', stats(nextAlone)]);
rows.push(['injectInvoke, sync, no ClientContext', stats(injectSync)]);
rows.push(['injectInvoke, sync, caller ClientContext', stats(injectSyncCaller)]);
rows.push([`injectInvoke, Event, ${Buffer.byteLength(eventInput.Payload)} B payload`, stats(injectEvent)]);
rows.push(['(timer overhead, empty fn)', stats(timer)]);

const fmt = (n) => n.toFixed(2).padStart(9);
console.log(`node ${process.version}, ${calls} sends each (interleaved, after ${warmup} warm-up), ${injectCalls} inject calls each`);
console.log(`instrumented client sent X-Amz-Client-Context: ${sawHeader}`);
console.log('');
console.log(`${'case'.padEnd(48)}${'median µs'.padStart(9)}  ${'p99 µs'.padStart(9)}`);
console.log('-'.repeat(68));
for (const [name, s] of rows) console.log(`${name.padEnd(48)}${fmt(s.median)}  ${fmt(s.p99)}`);
