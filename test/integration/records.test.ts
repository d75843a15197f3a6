/*
 * withRecord against a real OTLP receiver on 127.0.0.1: a record's work runs in its own
 * producer's trace whether the handler passes the delivered record or a copy of it, and a
 * record's span is named apart from the batch's.
 */
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withRecord, withTracing } from '../../src/index.js';
import { exportsAnswered, useTracedReceiver } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import type { ReceivedSpan } from '../support/otlp-receiver.js';

// The process's tracing, made once as at a cold start, exporting to a real receiver.
const receiver = useTracedReceiver();

const CONSUMER = 5;

/** Run every record's work under withRecord, on whatever `pick` hands it (the record, or a copy). */
async function processEach(event: { Records: unknown[] }, pick: (record: any) => unknown): Promise<ReceivedSpan[]> {
  await withTracing(async (e: { Records: unknown[] }) => {
    for (const [i, record] of e.Records.entries()) {
      await withRecord(pick(record), async () => {
        trace.getTracer('user').startActiveSpan(`work ${i}`, (span) => span.end());
      });
    }
  })(event, lambdaContext());
  await exportsAnswered();
  return receiver.spans;
}

/** The producer span each record names, as `[traceId, spanId]`. */
const producers = (traceparents: string[]): [string, string][] => traceparents.map((tp) => tp.split('-').slice(1, 3) as [string, string]);

/** Each `work i` span is a child of a record span whose parent is the record's producer. */
function expectEachInItsProducersTrace(spans: ReceivedSpan[], parents: [string, string][]): void {
  parents.forEach(([traceId, spanId], i) => {
    const work = spans.find((s) => s.name === `work ${i}`);
    const recordSpan = spans.find((s) => s.spanId === work?.parentSpanId);
    expect(recordSpan, `record ${i}`).toMatchObject({ traceId, parentSpanId: spanId, kind: CONSUMER });
  });
}

const copy = (record: unknown): unknown => structuredClone(record);

describe('withRecord finds a copied record by what identifies it for its trigger', () => {
  it('SNS: by Sns.MessageId', async () => {
    const event = loadEvent('sns', 'two-records');
    const parents = producers(event.Records.map((r: any) => r.Sns.MessageAttributes.traceparent.Value));
    expectEachInItsProducersTrace(await processEach(event, copy), parents);
  });

  it('SNS: by Sns.MessageId, for a copy of the Sns part’s record shape a handler rebuilt', async () => {
    const event = loadEvent('sns', 'two-records');
    const parents = producers(event.Records.map((r: any) => r.Sns.MessageAttributes.traceparent.Value));
    expectEachInItsProducersTrace(await processEach(event, (r) => ({ Sns: { MessageId: r.Sns.MessageId } })), parents);
  });

  it('Kinesis: by sequence number', async () => {
    const event = loadEvent('kinesis', 'two-sampled');
    const parents = producers(
      event.Records.map((r: any) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'))._baton.traceparent),
    );
    expectEachInItsProducersTrace(await processEach(event, copy), parents);
  });

  it('Kinesis: by the sequence number at the end of eventID, for a copy without its kinesis part', async () => {
    const event = loadEvent('kinesis', 'two-sampled');
    const parents = producers(
      event.Records.map((r: any) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'))._baton.traceparent),
    );
    expectEachInItsProducersTrace(await processEach(event, (r) => ({ eventID: r.eventID })), parents);
  });

  it('SQS: by messageId', async () => {
    const event = loadEvent('sqs', 'batch-w3c');
    event.Records = event.Records.slice(0, 2);
    const parents = producers(event.Records.map((r: any) => r.messageAttributes.traceparent.stringValue));
    expectEachInItsProducersTrace(await processEach(event, copy), parents);
  });

  it('runs a record it cannot find as a child of the batch span', async () => {
    const event = loadEvent('sns', 'two-records');
    const spans = await processEach(event, () => ({ Sns: { MessageId: 'not-in-this-batch' } }));
    const batch = spans.find((s) => s.name === 'process orders-topic');
    const work = spans.find((s) => s.name === 'work 0');
    const recordSpan = spans.find((s) => s.spanId === work?.parentSpanId);
    expect(recordSpan).toMatchObject({ traceId: batch?.traceId, parentSpanId: batch?.spanId });
  });
});

/*
 * Messaging semantic conventions: a process span is named `{messaging.operation.name}
 * {destination}`; the batch span (`process orders-queue`) has `messaging.batch.message_count`,
 * a record's span has the record's `messaging.message.id`, and its name says it is one message.
 */
describe('record spans', () => {
  it('are named apart from the batch span and carry the record’s message id', async () => {
    const event = loadEvent('sqs', 'batch-w3c');
    event.Records = event.Records.slice(0, 2);
    const spans = await processEach(event, (r) => r);
    const batch = spans.filter((s) => s.name === 'process orders-queue');
    const records = spans.filter((s) => s.name === 'process orders-queue message');
    expect(batch).toHaveLength(1);
    expect(batch[0]?.attributes['messaging.batch.message_count']).toBe(2);
    expect(records.map((s) => s.attributes['messaging.message.id'])).toEqual(event.Records.map((r: any) => r.messageId));
    for (const span of records) {
      expect(span.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.destination.name': 'orders-queue' });
    }
  });

  it('are named for the topic or stream of SNS and Kinesis batches', async () => {
    const sns = await processEach(loadEvent('sns', 'two-records'), (r) => r);
    expect(sns.filter((s) => s.name === 'process orders-topic message')).toHaveLength(2);
    receiver.reset();
    const kinesis = await processEach(loadEvent('kinesis', 'two-sampled'), (r) => r);
    expect(kinesis.filter((s) => s.name === 'process orders-stream message')).toHaveLength(2);
  });
});
