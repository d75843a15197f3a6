/**
 * The largest batch AWS delivers: an SQS or Kinesis event source mapping hands a function up
 * to 10,000 records at once (with a batching window). Each processed under `withRecord`, with
 * a span of the handler's own inside, the invocation span still reaches the collector.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setDiagnosticSink } from '../../src/diagnostics.js';
import { withRecord, withTracing } from '../../src/index.js';
import { MAX_QUEUED_SPANS } from '../../src/tracer/processor.js';
import { exportsAnswered } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

const CONSUMER = 5;
let receiver: OtlpReceiver;
const diagnostics: string[] = [];
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  setDiagnosticSink((line) => diagnostics.push(line));
});
afterAll(() => receiver.close());

type Record_ = { messageId: string; messageAttributes: Record<string, { stringValue: string }> };

it('exports the invocation span of a 10,000-record batch, though the batch holds more spans than the queue', { timeout: 60_000 }, async () => {
  const template = (loadEvent('sqs', 'w3c-single') as { Records: Record_[] }).Records[0]!;
  const records = Array.from({ length: 10_000 }, (_, i) => {
    const hex = i.toString(16).padStart(12, '0');
    return {
      ...template,
      messageId: `m-${i}`,
      messageAttributes: { traceparent: { ...template.messageAttributes['traceparent']!, stringValue: `00-0b0100030001000000000000${hex.slice(-8)}-0b010003${hex.slice(-8)}-01` } },
    };
  });
  // Each record: its processing span and one of the handler's own, 20,000 in all, and the invocation span last.
  expect(2 * records.length + 1).toBeGreaterThan(MAX_QUEUED_SPANS);
  const handler = withTracing(
    async (event: { Records: Record_[] }) => {
      for (const record of event.Records) {
        withRecord(record, () => trace.getTracer('user').startActiveSpan(`handle ${record.messageId}`, (span) => span.end()));
      }
      return 'done';
    },
    { exportWait: 'response', flushTimeoutMs: 20_000, endpoint: receiver.url },
  );
  await expect(handler({ Records: records }, lambdaContext({ timeoutMs: 60_000 }))).resolves.toBe('done');
  await exportsAnswered();
  const batch = receiver.spans.filter((s) => s.kind === CONSUMER && s.attributes['messaging.batch.message_count'] === 10_000);
  expect(batch).toHaveLength(1);
  expect(batch[0]?.links.length).toBeGreaterThan(0);
  // Only what did not fit was dropped, the oldest first, and that was said once.
  expect(receiver.spans).toHaveLength(MAX_QUEUED_SPANS);
  expect(receiver.spans.some((s) => s.name === 'handle m-0')).toBe(false);
  expect(receiver.spans.some((s) => s.name === 'handle m-9999')).toBe(true);
  expect(diagnostics.filter((line) => line.includes('spans waited for export'))).toHaveLength(1);
});
