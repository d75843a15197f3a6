// `npm run demo [-- --otlp <collector url>]`: one request through the example service,
// printed as one connected trace. See README, "Quick start".
import { createServer } from 'node:http';
import { startLocalStack } from './local-stack.mjs';

const args = process.argv.slice(2);
const otlpIndex = args.indexOf('--otlp');
const forwardTo = otlpIndex === -1 ? undefined : args[otlpIndex + 1];
if (otlpIndex !== -1 && !forwardTo) {
  console.error('usage: npm run demo [-- --otlp <collector base url, e.g. http://localhost:4318>]');
  process.exit(2);
}

const started = Date.now();
const progress = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** An embedded OTLP/HTTP receiver (JSON encoding), optionally forwarding to a real collector. */
async function startReceiver() {
  const spans = [];
  const forwards = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        for (const rs of JSON.parse(body.toString('utf8')).resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, service });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
      if (forwardTo) {
        const url = `${forwardTo.replace(/\/$/, '')}/v1/traces`;
        forwards.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.ok, () => false));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, spans, forwards, close: () => new Promise((r) => server.close(r)) };
}

function printTree(spans, traceId) {
  const inTrace = spans.filter((s) => s.traceId === traceId).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
  const ids = new Set(inTrace.map((s) => s.spanId));
  const children = new Map();
  for (const span of inTrace) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  console.log(`\ntrace ${traceId}`);
  const walk = (parent, prefix) => {
    const list = children.get(parent) ?? [];
    list.forEach((span, i) => {
      const last = i === list.length - 1;
      const ms = Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;
      const fn = span.service.replace(/^baton-demo-dev-/, '');
      console.log(`${prefix}${last ? '└─' : '├─'} ${fn.padEnd(8)} ${span.name}  [${KINDS[span.kind] ?? span.kind}]  ${ms.toFixed(1)} ms`);
      walk(span.spanId, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk('', '');
  return inTrace;
}

const receiver = await startReceiver();
progress(`OTLP receiver on ${receiver.url}${forwardTo ? `, forwarding to ${forwardTo}` : ''}`);
let stack;
let exitCode = 0;
try {
  stack = await startLocalStack({ otlpEndpoint: receiver.url, protocol: 'http/json', log: progress });
  progress(`GET ${stack.httpUrl}/orders/o-42 (no trace context)`);
  const response = await fetch(`${stack.httpUrl}/orders/o-42`);
  progress(`api answered ${response.status}: ${await response.text()}`);
  // notify runs asynchronously; deliver the queue once the order is there three times
  // (sent directly, through SNS and through EventBridge).
  let delivered = 0;
  for (let i = 0; i < 8 && delivered < 3; i++) delivered += await stack.deliverQueue('fulfil', { waitSeconds: 2 });
  progress(`delivered ${delivered} message(s) from the queue to fulfil`);

  const root = receiver.spans.find((s) => s.service.endsWith('-api') && s.kind === 2);
  if (!root) throw new Error('no span arrived from the api function');
  // Each function exports before it returns; allow the last export a moment to land.
  const deadline = Date.now() + 5000;
  const fulfilled = () => receiver.spans.filter((s) => s.traceId === root.traceId && s.service.endsWith('-fulfil')).length;
  while (Date.now() < deadline && (new Set(receiver.spans.filter((s) => s.traceId === root.traceId).map((s) => s.service)).size < 4 || fulfilled() < delivered)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const inTrace = printTree(receiver.spans, root.traceId);
  const functions = new Set(inTrace.map((s) => s.service));
  if (forwardTo) {
    const results = await Promise.all(receiver.forwards);
    progress(`forwarded ${results.filter(Boolean).length}/${results.length} export(s) to ${forwardTo}`);
  }
  await stack.stop();
  stack = undefined;
  await receiver.close();
  console.log(`demo: trace ${root.traceId} connected ${inTrace.length} spans across ${functions.size} functions`);
} catch (error) {
  exitCode = 1;
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stack?.stop();
  process.exit(exitCode);
}
