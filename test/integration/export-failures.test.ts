import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setDiagnosticSink } from '../../src/diagnostics.js';
import { withTracing } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const FLUSH_BOUND_MS = 150;
let receiver: OtlpReceiver;
const diagnostics: string[] = [];
let handler: (event: { orderId?: string }, context: unknown) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  setDiagnosticSink((line) => diagnostics.push(line));
  const tracing = getTracing({ endpoint: receiver.url, protocol: 'http/protobuf', flushTimeoutMs: FLUSH_BOUND_MS }, {});
  handler = withTracing(async (event: { orderId?: string }) => ({ statusCode: 200, body: `order ${event.orderId ?? '?'}` }));
  // The first export loads the HTTP transport and opens the connection; let it finish so the
  // tests below measure steady behaviour.
  await handler({ orderId: 'warm-up' }, lambdaContext());
  await tracing?.flush(10_000);
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());


async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('an exporter that misbehaves never changes the result', () => {
  it('exports with the default protocol (OTLP protobuf) when the collector answers', async () => {
    await handler(loadEvent('invoke', 'plain'), lambdaContext());
    expect(receiver.requests[0]?.contentType).toBe('application/x-protobuf');
    expect(receiver.spans).toHaveLength(1);
  });

  it('returns the result when the collector answers 500, and reports it once per process', async () => {
    receiver.setBehaviour('error500');
    const before = diagnostics.length;
    for (let i = 0; i < 3; i++) {
      await expect(handler({ orderId: `o-${i}` }, lambdaContext())).resolves.toEqual({ statusCode: 200, body: `order o-${i}` });
    }
    const reports = diagnostics.slice(before).filter((line) => line.includes('could not export'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(receiver.url);
  });

  it('waits at most its bound for a collector that never answers', async () => {
    receiver.setBehaviour('hang');
    const { value, ms } = await timed(() => handler({ orderId: 'slow' }, lambdaContext()));
    expect(value).toEqual({ statusCode: 200, body: 'order slow' });
    // Without the bound this would wait for the hung request: for ever.
    expect(ms).toBeLessThan(FLUSH_BOUND_MS + 1_000);
  });

  it('never waits past the function’s deadline margin', async () => {
    receiver.setBehaviour('hang');
    // 120 ms left: the margin (100 ms) leaves 20 ms for the flush, not the 150 ms bound.
    const { value, ms } = await timed(() => handler({ orderId: 'late' }, lambdaContext({ timeoutMs: 120 })));
    expect(value.body).toBe('order late');
    expect(ms).toBeLessThan(120 + 500);
  });
});

describe('a collector that is down', () => {
  let closedPortUrl: string;
  beforeAll(async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    closedPortUrl = `http://127.0.0.1:${port}`;
  });

  it('leaves results alone in a process whose exporter points nowhere', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const lines = [];
      const h = withTracing(async (e) => ({ ok: e.n }), { endpoint: process.argv[1], flushTimeoutMs: 200 });
      (async () => {
        const out = [];
        for (let n = 0; n < 3; n++) out.push(await h({ n }, { awsRequestId: 'r' + n, getRemainingTimeInMillis: () => 5000 }));
        console.log(JSON.stringify(out));
      })();`;
    const stdout = execFileSync(process.execPath, ['-e', script, closedPortUrl], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(stdout)).toEqual([{ ok: 0 }, { ok: 1 }, { ok: 2 }]);
  });
});
