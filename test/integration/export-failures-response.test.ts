/**
 * Export with `exportWait: 'response'` (chosen here through BATON_EXPORT_WAIT): each
 * invocation waits for the collector's answer, bounded by the flush bound, as before
 * `sent` became the default.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportsAnswered, startOrderFunction, timed } from '../support/exports.js';
import type { OrderFunction } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';

const FLUSH_BOUND_MS = 300;
let fn: OrderFunction;
let receiver: OrderFunction['receiver'];
let handler: OrderFunction['handler'];
let diagnostics: string[];
const reports = (): string[] => fn.reports();

beforeAll(async () => {
  fn = await startOrderFunction({ flushTimeoutMs: FLUSH_BOUND_MS }, { BATON_EXPORT_WAIT: 'response' });
  ({ receiver, handler, diagnostics } = fn);
  expect(fn.tracing?.config.exportWait).toBe('response');
});
afterAll(() => receiver.close());
beforeEach(async () => {
  await exportsAnswered();
  fn.reset();
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
