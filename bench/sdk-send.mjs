// What instrumenting an SQS client costs per SendMessage and per 10-entry SendMessageBatch.
//
//   node --no-warnings bench/sdk-send.mjs [calls]
//
// Bundles src/clients (and the tracer it uses) with esbuild, as the package build does, then
// sends through the real SDK to a real HTTP server on 127.0.0.1 that answers as SQS does
// (JSON protocol, with the MD5 digests the SDK checks). An uninstrumented and an instrumented
// client are interleaved call by call in one run, so both see the same machine state: the
// difference is our middleware's cost (PRODUCER span start/end, inject, the attribute budget).
// Spans go to a BatchSpanProcessor with an exporter that discards them, so span recording is
// counted and export (which runs off the call path) is not.
// The instrumented message carries more attributes, which the SDK serialises and MD5-checks and
// the server hashes: a third client, uninstrumented, sends the very same attributes by hand
// (those the instrumented client's recorded request carried, fixed traceparent), so
// instrumented − plain (total) = hand − plain (the attributes' cost in SDK and server)
// + instrumented − hand (ours, beside the SDK's own cost). The server runs in this process:
// its handler's CPU is measured apart and shown, and the 'less server' column removes it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const calls = Number(process.argv[2] ?? 4000);
const warmup = 500;

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outfile = join(root, 'node_modules/.cache/lambda-baton-bench/sdk-clients.mjs');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  stdin: {
    contents: ["export { instrumentClient } from './src/clients/index.ts';", "export { getTracing } from './src/tracer/provider.ts';"].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})],
  outfile,
  logLevel: 'warning',
});
const { instrumentClient, getTracing } = await import(pathToFileURL(outfile).href);
const { SQSClient, SendMessageCommand, SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
const { ROOT_CONTEXT, context, trace } = await import('@opentelemetry/api');

const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const tracing = getTracing({ exporter: discard, serviceName: 'bench' }, {});

const md5 = (text) => createHash('md5').update(text, 'utf8').digest('hex');
// SQS's digest of message attributes (sorted names; length-prefixed name, type, 1, value), which the SDK checks.
const md5Attributes = (attrs) => {
  const hash = createHash('md5');
  const field = (text) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attrs).sort()) {
    field(name);
    field(attrs[name].DataType);
    hash.update(Buffer.from([1]));
    field(attrs[name].StringValue);
  }
  return hash.digest('hex');
};
let sawTraceparent = 0;
let recorded;
let serverCpu = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const cpuStart = process.cpuUsage();
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const batch = String(req.headers['x-amz-target']).endsWith('SendMessageBatch');
    const messages = batch ? input.Entries : [input];
    sawTraceparent += messages.filter((m) => m.MessageAttributes?.traceparent !== undefined).length;
    if (!batch && messages[0].MessageAttributes?.traceparent !== undefined) recorded ??= messages[0].MessageAttributes;
    const attrMd5 = (m) => (m.MessageAttributes ? { MD5OfMessageAttributes: md5Attributes(m.MessageAttributes) } : {});
    const body = JSON.stringify(
      batch
        ? { Successful: messages.map((m, i) => ({ Id: m.Id, MessageId: `m-${i}`, MD5OfMessageBody: md5(m.MessageBody), ...attrMd5(m) })), Failed: [] }
        : { MessageId: 'm-1', MD5OfMessageBody: md5(input.MessageBody), ...attrMd5(input) },
    );
    const used = process.cpuUsage(cpuStart);
    serverCpu += used.user + used.system;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'r' });
    res.end(body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const config = { endpoint: `http://127.0.0.1:${server.address().port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const plain = new SQSClient(config);
const traced = instrumentClient(new SQSClient(config));

/*
 * Probes on both clients: one middleware entered just before our place in the initialize
 * step, one just after (so run inside ours). On the instrumented client the time between
 * them, less the time spent in the rest of the SDK, is our middleware's own work (span start
 * and end, inject, the attribute budget) in the real stack; on the uninstrumented client the
 * same two probes with nothing between them are the baseline. Wall time of this process's own
 * code, so far less disturbed by the other processes on a shared machine than whole sends.
 */
const probe = { outer: 0n, inner: 0n, spent: [] };
const outer = (next) => async (args) => {
  const start = process.hrtime.bigint();
  probe.inner = 0n;
  const result = await next(args);
  const total = process.hrtime.bigint() - start;
  probe.spent.push(Number(total - probe.inner) / 1000);
  return result;
};
const inner = (next) => async (args) => {
  const start = process.hrtime.bigint();
  const result = await next(args);
  probe.inner = process.hrtime.bigint() - start;
  return result;
};
plain.middlewareStack.add(outer, { step: 'initialize', priority: 'low', name: 'probeOuter' });
plain.middlewareStack.addRelativeTo(inner, { relation: 'after', toMiddleware: 'probeOuter', name: 'probeInner' });
traced.middlewareStack.addRelativeTo(outer, { relation: 'before', toMiddleware: 'lambdaBatonInvokeMiddleware', name: 'probeOuter' });
traced.middlewareStack.addRelativeTo(inner, { relation: 'after', toMiddleware: 'lambdaBatonInvokeMiddleware', name: 'probeInner' });

const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const body = JSON.stringify({ orderId: 42, lines: Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) });
const attributes = { tenant: { DataType: 'String', StringValue: 'acme' }, kind: { DataType: 'String', StringValue: 'order' } };
const single = () => new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes });
const batchOf10 = () =>
  new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: body, MessageAttributes: attributes })) });

const median = (values) => Float64Array.from(values).sort()[Math.floor(values.length / 2)];
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * Per-send cost of `client`, in blocks of `size` sends: CPU time of this process (server
 * included, the same for both clients) and wall time. The machine is shared, so wall time
 * carries other processes' load; CPU time is what the instrumentation adds to a function.
 */
async function block(client, command, size) {
  probe.spent = [];
  const cpu = cpuMicros();
  const wall = process.hrtime.bigint();
  for (let i = 0; i < size; i++) await client.send(command());
  return { cpu: (cpuMicros() - cpu) / size, wall: Number(process.hrtime.bigint() - wall) / 1000 / size, own: median(probe.spent) };
}

/** Blocks of `a` and `b` alternated, which goes first alternating too, so drift and GC hit both alike. */
async function compare(a, b, command, blocks, size) {
  for (let i = 0; i < warmup; i++) {
    await a.send(command());
    await b.send(command());
  }
  const runs = { a: [], b: [] };
  for (let i = 0; i < blocks; i++) {
    await tracing.flush(1000);
    if (i % 2 === 0) {
      runs.a.push(await block(a, command, size));
      runs.b.push(await block(b, command, size));
    } else {
      runs.b.push(await block(b, command, size));
      runs.a.push(await block(a, command, size));
    }
  }
  const summary = (list) => ({ cpu: median(list.map((r) => r.cpu)), wall: median(list.map((r) => r.wall)), own: median(list.map((r) => r.own)) });
  const delta = (key) => median(runs.b.map((r, i) => r[key] - runs.a[i][key]));
  return { a: summary(runs.a), b: summary(runs.b), cpuDelta: delta('cpu'), wallDelta: delta('wall'), ownDelta: delta('own') };
}

// Sends run under an active span, as inside a traced handler.
const parentSpan = tracing.tracer.startSpan('bench-invocation');
const parent = trace.setSpan(ROOT_CONTEXT, parentSpan);
const plain2 = new SQSClient(config);
const hand = new SQSClient(config);
hand.middlewareStack.add(outer, { step: 'initialize', priority: 'low', name: 'probeOuter' });
hand.middlewareStack.addRelativeTo(inner, { relation: 'after', toMiddleware: 'probeOuter', name: 'probeInner' });
// What ours writes by default, from the instrumented client's recorded request; traceparent fixed.
await context.with(parent, () => traced.send(single()));
const handAttributes = { ...attributes, ...Object.fromEntries(Object.entries(recorded).filter(([k]) => !(k in attributes))) };
handAttributes.traceparent = { DataType: 'String', StringValue: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const handSingle = () => new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: handAttributes });
const handBatch = () =>
  new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: body, MessageAttributes: handAttributes })) });
const blocks = 40;
const size = Math.ceil(calls / blocks);
/** Three clients' blocks rotated, paired by block index, so each difference is a median of paired blocks. */
async function compare3(commandPlain, commandHand, n) {
  const clients = [
    ['plain', plain, commandPlain],
    ['hand', hand, commandHand],
    ['traced', traced, commandPlain],
  ];
  for (let i = 0; i < warmup; i++) for (const [, c, cmd] of clients) await c.send(cmd());
  const runs = { plain: [], hand: [], traced: [] };
  for (let i = 0; i < blocks; i++) {
    await tracing.flush(1000);
    for (let j = 0; j < 3; j++) {
      const [key, c, cmd] = clients[(i + j) % 3];
      const server0 = serverCpu;
      const r = await block(c, cmd, n);
      r.server = (serverCpu - server0) / n;
      r.less = r.cpu - r.server;
      runs[key].push(r);
    }
  }
  const summary = (list) => Object.fromEntries(['cpu', 'wall', 'own', 'server', 'less'].map((k) => [k, median(list.map((r) => r[k]))]));
  const delta = (b, a) => Object.fromEntries(['cpu', 'wall', 'own', 'server', 'less'].map((k) => [k, median(runs[b].map((r, i) => r[k] - runs[a][i][k]))]));
  return { plain: summary(runs.plain), hand: summary(runs.hand), traced: summary(runs.traced), total: delta('traced', 'plain'), attrs: delta('hand', 'plain'), ours: delta('traced', 'hand') };
}
const [control, sendMessage, sendBatch] = await context.with(parent, async () => [
  // Two uninstrumented clients: the noise floor of whole sends on this machine.
  await compare(plain, plain2, single, blocks, size),
  await compare3(single, handSingle, size),
  await compare3(batchOf10, handBatch, Math.ceil(size / 2)),
]);
plain2.destroy();
hand.destroy();

/*
 * The middleware alone, taken from a structural stand-in for an SQS client (as any client is
 * recognised), with a `next` that answers at once: our per-send CPU cost without the SDK, the
 * network or the server, against the same `next` called directly.
 */
let middleware;
instrumentClient({ middlewareStack: { add: (mw) => (middleware = mw), addRelativeTo() {} }, config: { region: 'us-east-1', serviceId: 'SQS' } });
const answers = {
  SendMessageCommand: { output: { MessageId: 'm-1', $metadata: { requestId: 'r' } }, response: {} },
  SendMessageBatchCommand: { output: { Successful: [], Failed: [], $metadata: { requestId: 'r' } }, response: {} },
};
async function alone(commandName, input, n) {
  const answer = answers[commandName];
  const direct = async () => answer;
  const wrapped = middleware(direct, { clientName: 'SQSClient', commandName });
  const cpuPer = async (fn) => {
    const start = cpuMicros();
    for (let i = 0; i < n; i++) await fn({ input });
    return (cpuMicros() - start) / n;
  };
  const runs = { direct: [], wrapped: [] };
  for (let round = 0; round < 11; round++) {
    await tracing.flush(1000);
    runs.wrapped.push(await cpuPer(wrapped));
    runs.direct.push(await cpuPer(direct));
  }
  return { direct: median(runs.direct), wrapped: median(runs.wrapped), delta: median(runs.wrapped.map((w, i) => w - runs.direct[i])) };
}
const [aloneSingle, aloneBatch] = await context.with(parent, async () => [
  await alone('SendMessageCommand', single().input, 2000),
  await alone('SendMessageBatchCommand', batchOf10().input, 1000),
]);
parentSpan.end();
server.close();
plain.destroy();
traced.destroy();

const fmt = (n) => n.toFixed(1).padStart(10);
console.log(`node ${process.version}, ${blocks} alternated blocks per case (${Math.ceil(calls / blocks)} sends per block, batches half that), after ${warmup} warm-up pairs`);
console.log(`messages the instrumented client sent with traceparent: ${sawTraceparent}`);
console.log('');
console.log(`attributes ours wrote by default (sent by hand on the third client): ${Object.keys(recorded).filter((k) => !(k in attributes)).join(', ')}`);
console.log('CPU is this whole process: the in-process server (JSON, MD5 digests) is in it; "server" is its handler alone, "less server" removes it');
console.log('');
const head = (t) => console.log(`${t.padEnd(46)}${'probes µs'.padStart(10)}${'CPU µs'.padStart(10)}${'server µs'.padStart(10)}${'less srv'.padStart(10)}${'wall µs'.padStart(10)}`);
head('per send (medians)');
console.log('control: uninstrumented vs uninstrumented');
console.log(`${'  client A'.padEnd(46)}${''.padStart(10)}${fmt(control.a.cpu)}${''.padStart(20)}${fmt(control.a.wall)}`);
console.log(`${'  client B'.padEnd(46)}${''.padStart(10)}${fmt(control.b.cpu)}${''.padStart(20)}${fmt(control.b.wall)}`);
console.log(`${'  difference (median of paired blocks)'.padEnd(46)}${''.padStart(10)}${fmt(control.cpuDelta)}${''.padStart(20)}${fmt(control.wallDelta)}`);
const row = (label, r) => console.log(`${label.padEnd(46)}${fmt(r.own)}${fmt(r.cpu)}${fmt(r.server)}${fmt(r.less)}${fmt(r.wall)}`);
for (const [name, r] of [
  ['SendMessage', sendMessage],
  ['SendMessageBatch, 10 entries', sendBatch],
]) {
  console.log(name);
  row('  uninstrumented (plain)', r.plain);
  row('  uninstrumented, our attributes by hand', r.hand);
  row('  instrumented', r.traced);
  row('  instrumented − plain (total)', r.total);
  row('  hand − plain (attributes: SDK + server)', r.attrs);
  row('  instrumented − hand (ours, beside the SDK)', r.ours);
}
console.log('');
console.log(`${'middleware alone, next answers at once'.padEnd(46)}${'CPU µs'.padStart(10)}`);
for (const [name, r] of [
  ['SendMessage', aloneSingle],
  ['SendMessageBatch, 10 entries', aloneBatch],
]) {
  console.log(`${`  ${name}: next alone`.padEnd(46)}${fmt(r.direct)}`);
  console.log(`${`  ${name}: with ours`.padEnd(46)}${fmt(r.wrapped)}`);
  console.log(`${'  difference (median of 11 rounds)'.padEnd(46)}${fmt(r.delta)}`);
}
