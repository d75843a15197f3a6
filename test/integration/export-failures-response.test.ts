/**
 * Export with `exportWait: 'response'` (chosen here through BATON_EXPORT_WAIT): each
 * invocation waits for the collector's answer, bounded by the flush bound, as before
 * `sent` became the default.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { withTracing } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { exportsAnswered, timed } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const FLUSH_BOUND_MS = 300;
let receiver: OtlpReceiver;
const diagnostics: string[] = [];
let handler: (event: { orderId?: string }, context: unknown) => Promise<{ statusCode: number; body: string }>;
const reports = (): string[] => diagnostics.filter((line) => line.includes('could not export'));

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  setDiagnosticSink((line) => diagnostics.push(line));
  const tracing = getTracing({ endpoint: receiver.url, flushTimeoutMs: FLUSH_BOUND_MS }, { BATON_EXPORT_WAIT: 'response' });
  expect(tracing?.config.exportWait).toBe('response');
  handler = withTracing(async (event: { orderId?: string }) => ({ statusCode: 200, body: `order ${event.orderId ?? '?'}` }));
  await handler({ orderId: 'warm-up' }, lambdaContext());
});
afterAll(() => receiver.close());
beforeEach(async () => {
  await exportsAnswered();
  receiver.reset();
  diagnostics.length = 0;
  resetDiagnostics();
});

describe('exportWait: response', () => {
  it('has the spans stored at the collector when the invocation returns', async () => {
    await handler(loadEvent('invoke', 'plain'), lambdaContext());
    // No waiting: the collector answered, so it had stored them.
    expect(receiver.spans).toHaveLength(1);
  });

  it('waits for the collector’s answer', async () => {
    receiver.setBehaviour({ delayMs: 150 });
    const { value, ms } = await timed(() => handler({ orderId: 'slow' }, lambdaContext()));
    expect(value.body).toBe('order slow');
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(diagnostics).toEqual([]);
  });

  it('reports a 500 by the time the invocation returns, once per process', async () => {
    receiver.setBehaviour('error500');
    await expect(handler({ orderId: 'o-0' }, lambdaContext())).resolves.toEqual({ statusCode: 200, body: 'order o-0' });
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain('HTTP 500');
    for (let i = 1; i < 3; i++) {
      await expect(handler({ orderId: `o-${i}` }, lambdaContext())).resolves.toEqual({ statusCode: 200, body: `order o-${i}` });
    }
    expect(reports()).toHaveLength(1);
  });

  it('waits its bound, and no longer, for a collector that never answers', async () => {
    receiver.setBehaviour('hang');
    const { value, ms } = await timed(() => handler({ orderId: 'stuck' }, lambdaContext()));
    expect(value.body).toBe('order stuck');
    expect(ms).toBeGreaterThanOrEqual(FLUSH_BOUND_MS - 20);
    expect(ms).toBeLessThan(FLUSH_BOUND_MS + 1_000);
    expect(diagnostics.some((line) => line.includes(`longer than ${FLUSH_BOUND_MS} ms`) || line.includes(`no answer within ${FLUSH_BOUND_MS} ms`))).toBe(true);
  });
});
