// What instrumenting an SQS client costs per SendMessage and per 10-entry SendMessageBatch.
//
//   node --no-warnings bench/sdk-send.mjs [--readme]     (BENCH_SDK_ROUNDS, default 60)
//
// Bundles src/clients (and the tracer it uses) with esbuild, as the package build does, then
// sends through the real SDK to a server on 127.0.0.1 that answers as SQS does, in its own
// process (bench/sqs-server.mjs), so the CPU measured is the client's alone. Five clients,
// each sending blocks of the same command; in every round the five go in a fresh random
// order, so drift, GC debt and cache effects fall on each alike, and every figure is the
// median over rounds of a within-round difference:
//   plain, plain2  uninstrumented (their difference is the noise floor: the control row)
//   hand           uninstrumented, sending by hand the attributes ours writes (fixed traceparent)
//   span           uninstrumented plus a middleware in our place that only runs the send in a
//                  bare OpenTelemetry span of the same tracer: what any OTel producer span costs
//   traced         instrumentClient(...)
// Spans go to the processor with an exporter that discards them, flushed between blocks, so
// span recording is counted and export (which runs off the call path) is not.
// --readme writes the table into README.md between the sdk-bench markers.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSource } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Math.max(20, Number(process.env.BENCH_SDK_ROUNDS ?? 60));
const size = 40;
const warmup = 300;

const { instrumentClient, getTracing } = await importSource('sdk-clients', [
  "export { instrumentClient } from './src/clients/index.ts';",
  "export { getTracing } from './src/tracer/provider.ts';",
]);
const { SQSClient, SendMessageCommand, SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
const { ROOT_CONTEXT, SpanKind, context, trace } = await import('@opentelemetry/api');

const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const tracing = getTracing({ exporter: discard, serviceName: 'bench' }, {});

const server = fork(join(root, 'bench/sqs-server.mjs'), [], { stdio: 'ignore' });
const endpoint = await new Promise((resolve) => server.once('message', (m) => resolve(m.url)));
const tracedMessages = () =>
  new Promise((resolve) => {
    server.once('message', (m) => resolve(m.traced));
    server.send('count');
  });

const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const body = JSON.stringify({ orderId: 42, lines: Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) });
const attributes = { tenant: { DataType: 'String', StringValue: 'acme' }, kind: { DataType: 'String', StringValue: 'order' } };
// What ours writes with the default propagators and no baggage: traceparent alone (checked below).
const handAttributes = { ...attributes, traceparent: { DataType: 'String', StringValue: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03' } };
const commands = {
  SendMessage: (a) => () => new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: a }),
  SendMessageBatch: (a) => () =>
    new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: body, MessageAttributes: a })) }),
};

/** A bare OTel span around the rest of the stack, in the place ours takes: the floor of any producer span. */
function withBareSpan(client) {
  const middleware = (next) => async (args) => {
    const span = tracing.tracer.startSpan('send orders', { kind: SpanKind.PRODUCER });
    try {
      return await context.with(trace.setSpan(context.active(), span), next, undefined, args);
    } finally {
      span.end();
    }
  };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'low', name: 'bareSpan' });
  return client;
}

const clients = {
  plain: new SQSClient(config),
  plain2: new SQSClient(config),
  hand: new SQSClient(config),
  span: withBareSpan(new SQSClient(config)),
  traced: instrumentClient(new SQSClient(config)),
};
const sends = (name) => (name === 'hand' ? handAttributes : attributes);

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (values) => Float64Array.from(values).sort()[Math.floor(values.length / 2)];
const shuffled = (list) => {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
};

/** CPU per send of every client, per round: `runs[name][round]`. */
async function measure(commandName, blockSize) {
  const names = Object.keys(clients);
  const make = Object.fromEntries(names.map((n) => [n, commands[commandName](sends(n))]));
  for (let i = 0; i < warmup; i++) for (const n of names) await clients[n].send(make[n]());
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of shuffled(names)) {
      await tracing.flush(1000);
      // Each block starts with an empty young generation, so the scavenges inside it are its own.
      globalThis.gc?.({ type: 'minor', execution: 'sync' });
      const start = cpuMicros();
      for (let i = 0; i < blockSize; i++) await clients[n].send(make[n]());
      runs[n].push((cpuMicros() - start) / blockSize);
    }
  }
  const diff = (f) => median(runs.plain.map((_, i) => f(Object.fromEntries(names.map((n) => [n, runs[n][i]])))));
  return {
    plain: median(runs.plain),
    control: diff((r) => r.plain2 - r.plain),
    total: diff((r) => r.traced - r.plain),
    attributes: diff((r) => r.hand - r.plain),
    span: diff((r) => r.span - r.plain),
    ours: diff((r) => r.traced - r.hand),
    beyondSpan: diff((r) => r.traced - r.hand - (r.span - r.plain)),
  };
}

/*
 * The middleware alone, taken from a structural stand-in for an SQS client (as any client is
 * recognised), with a `next` that answers at once: our per-send CPU without the SDK, the
 * network or the rest of the stack, against the same `next` called directly.
 */
async function alone(commandName, input, n) {
  let middleware;
  instrumentClient({ middlewareStack: { add: (mw) => (middleware = mw), addRelativeTo() {} }, config: { region: 'us-east-1', serviceId: 'SQS' } });
  const answer = { output: { MessageId: 'm-1', Successful: [], Failed: [], $metadata: { requestId: 'r' } }, response: {} };
  const direct = async () => answer;
  const wrapped = middleware(direct, { clientName: 'SQSClient', commandName: `${commandName}Command` });
  const cpuPer = async (fn) => {
    const start = cpuMicros();
    for (let i = 0; i < n; i++) await fn({ input });
    return (cpuMicros() - start) / n;
  };
  const deltas = [];
  for (let round = 0; round < 11; round++) {
    await tracing.flush(1000);
    deltas.push((await cpuPer(wrapped)) - (await cpuPer(direct)));
  }
  return median(deltas);
}

const parent = trace.setSpan(ROOT_CONTEXT, tracing.tracer.startSpan('bench-invocation'));
const results = await context.with(parent, async () => {
  // Ours must write exactly what the hand client sends (traceparent alone, by default).
  const seen = await tracedMessages();
  await clients.traced.send(commands.SendMessage(attributes)());
  if ((await tracedMessages()) !== seen + 1) throw new Error('the instrumented client did not write traceparent');
  const single = await measure('SendMessage', size);
  const batch = await measure('SendMessageBatch', size / 2);
  return {
    single: { ...single, alone: await alone('SendMessage', commands.SendMessage(attributes)().input, 2000) },
    batch: { ...batch, alone: await alone('SendMessageBatch', commands.SendMessageBatch(attributes)().input, 1000) },
  };
});
for (const client of Object.values(clients)) client.destroy();
server.kill();

const us = (n) => `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(1)} µs`;
const rows = [
  ['whole send, instrumented − uninstrumented (total)', 'total', '≤ 15 / ≤ 40 µs'],
  ['… the SDK sending `traceparent` (hand-written attribute − none)', 'attributes', ''],
  ['… ours beside the SDK (instrumented − hand-written attribute)', 'ours', ''],
  ['a bare OpenTelemetry span around the send − uninstrumented', 'span', ''],
  ['ours beyond a bare span (our span, names, attributes, inject, outcome)', 'beyondSpan', ''],
  ['our middleware alone (`next` answers at once)', 'alone', ''],
  ['control: two uninstrumented clients', 'control', ''],
];
const table = [
  '| per send (client CPU, median of within-round differences) | `SendMessage` | 10-entry `SendMessageBatch` | target |',
  '|---|---|---|---|',
  ...rows.map(([label, key, target]) => `| ${label} | ${us(results.single[key])} | ${us(results.batch[key])} | ${target} |`),
].join('\n');
const machine = `Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${rounds} rounds of ${size} sends (batches ${size / 2}) per client, uninstrumented send ${results.single.plain.toFixed(0)} µs (batch ${results.batch.plain.toFixed(0)} µs) of client CPU.`;
console.log(`${table}\n\n${machine}`);
if (process.argv.includes('--readme')) {
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  writeFileSync(path, readme.replace(/(<!-- sdk-bench:start -->\n)[\s\S]*?(\n<!-- sdk-bench:end -->)/, `$1${table}\n\n${machine}$2`));
}
