/**
 * Export with `exportWait: 'sent'` (the default): an invocation waits until its spans are
 * written to the collector's socket, not for the answer. What the answer says is still
 * reported, once per process, when it is read. `response` mode: export-failures-response.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { exportsAnswered, startOrderFunction, timed } from '../support/exports.js';
import type { OrderFunction } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';

// Long enough that returning after the write is told apart from waiting for the bound.
const FLUSH_BOUND_MS = 1_000;
// What "does not wait" allows for on a busy machine: far below the bound and the collector's delay.
const PROMPT_MS = 300;
let fn: OrderFunction;
let receiver: OrderFunction['receiver'];
let handler: OrderFunction['handler'];
let diagnostics: string[];
const reports = (): string[] => fn.reports();

beforeAll(async () => {
  fn = await startOrderFunction({ protocol: 'http/protobuf', flushTimeoutMs: FLUSH_BOUND_MS }, {});
  ({ receiver, handler, diagnostics } = fn);
  expect(fn.tracing?.config.exportWait).toBe('sent');
});
afterAll(() => receiver.close());
beforeEach(() => fn.reset());

describe('exportWait: sent (the default)', () => {
  it('exports with the default protocol (OTLP protobuf) when the collector answers', async () => {
    await handler(loadEvent('invoke', 'plain'), lambdaContext());
    await exportsAnswered();
    expect(receiver.requests[0]?.contentType).toBe('application/x-protobuf');
    expect(receiver.spans).toHaveLength(1);
    expect(diagnostics).toEqual([]);
  });

  it('returns once its spans are written, without waiting for the collector’s answer', async () => {
    receiver.setBehaviour({ delayMs: 700 }); // stores the spans on arrival, answers 0.7 s later (within the exporter's timeout)
    const { value, ms } = await timed(() => handler({ orderId: 'quick' }, lambdaContext()));
    expect(value.body).toBe('order quick');
    expect(ms).toBeLessThan(PROMPT_MS);
    // The request was complete on the collector's socket: it arrives without anything more from us.
    const [span] = await receiver.waitForSpans(1, 1_500);
    expect(span?.attributes['faas.invocation.id']).toBeDefined();
    await exportsAnswered();
    expect(diagnostics).toEqual([]);
  });

  it('reports a 500 once per process, though it is only read after the invocation returned', async () => {
    receiver.setBehaviour('error500');
    await expect(handler({ orderId: 'o-0' }, lambdaContext())).resolves.toEqual({ statusCode: 200, body: 'order o-0' });
    // The answer cannot have been read yet: the invocation did not wait for it.
    expect(reports()).toEqual([]);
    for (let i = 1; i < 4; i++) {
      await expect(handler({ orderId: `o-${i}` }, lambdaContext())).resolves.toEqual({ statusCode: 200, body: `order o-${i}` });
    }
    await exportsAnswered();
    expect(receiver.requests).toHaveLength(4);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain(receiver.url);
    expect(reports()[0]).toContain('HTTP 500');
  });

  it('is not delayed by a collector that never answers, and holds at most two requests open to it', async () => {
    receiver.setBehaviour('hang');
    // Two connections: each takes one request that will never be answered, at once.
    for (const orderId of ['h-1', 'h-2']) {
      const { value, ms } = await timed(() => handler({ orderId }, lambdaContext()));
      expect(value.body).toBe(`order ${orderId}`);
      expect(ms).toBeLessThan(PROMPT_MS);
    }
    // A third queues behind them, unsent: the invocation waits no longer than its flush bound.
    const third = timed(() => handler({ orderId: 'h-3' }, lambdaContext()));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(2);
    const { value, ms } = await third;
    expect(value.body).toBe('order h-3');
    expect(ms).toBeLessThan(FLUSH_BOUND_MS + 500);
    // The unanswered requests are abandoned after the exporter's timeout, and that is reported once.
    await vi.waitFor(() => expect(reports()).toHaveLength(1), { timeout: 5_000, interval: 20 });
    expect(reports()[0]).toContain('no answer within');
    await new Promise((r) => setTimeout(r, 100));
    expect(reports()).toHaveLength(1);
  });

  it('never waits past the function’s deadline margin', async () => {
    receiver.setBehaviour('hang');
    // 120 ms left: the margin (100 ms) leaves 20 ms for the flush, not the 1 s bound.
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

  it('is found at once (the refused connection settles the flush) and reported once; results are untouched', async () => {
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async (e) => ({ ok: e.n }), { endpoint: process.argv[1], flushTimeoutMs: 2000 });
      (async () => {
        const out = [];
        const start = performance.now();
        for (let n = 0; n < 3; n++) out.push(await h({ n }, { awsRequestId: 'r' + n, getRemainingTimeInMillis: () => 5000 }));
        console.log(JSON.stringify({ out, ms: performance.now() - start }));
      })();`;
    const child = spawnSync(process.execPath, ['-e', script, closedPortUrl], { encoding: 'utf8' });
    const { out, ms } = JSON.parse(child.stdout) as { out: unknown[]; ms: number };
    expect(out).toEqual([{ ok: 0 }, { ok: 1 }, { ok: 2 }]);
    // Three flush bounds would be 6 s: each flush ended on the error instead.
    expect(ms).toBeLessThan(1_500);
    const lines = child.stderr.split('\n').filter((line) => line.includes('could not export'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ECONNREFUSED');
  });
});
