/*
 * The `_baton` payload envelope on the receiving side, through withTracing with spans
 * exported to a real OTLP receiver on 127.0.0.1: removed wherever the event holds it as an
 * object, left in strings and bytes the handler decodes itself, and never taken from a
 * payload's own `_baton` of another shape.
 */
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index.js';
import { exportsAnswered, useTracedReceiver } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';

// The process's tracing, made once as at a cold start, exporting to a real receiver.
const receiver = useTracedReceiver();

/** Run a handler on `event`; what it saw (a deep copy), and the invocation span. */
async function run(event: unknown): Promise<{ seen: any; span: { traceId: string; parentSpanId: string | undefined } | undefined }> {
  let seen: unknown;
  await withTracing(async (e: unknown) => {
    seen = structuredClone(e);
  })(event, lambdaContext());
  await exportsAnswered();
  return { seen, span: receiver.spans[0] };
}

const idsOf = (traceparent: string): { traceId: string; parentSpanId: string } => {
  const [, traceId = '', parentSpanId = ''] = traceparent.split('-');
  return { traceId, parentSpanId };
};

describe('the envelope is removed where the event holds it as an object', () => {
  it('EventBridge: from detail, and the trace continues', async () => {
    const event = loadEvent('eventbridge', 'w3c');
    const { traceparent } = event.detail._baton;
    const { seen, span } = await run(event);
    expect(seen.detail).toEqual({ orderId: 'o-123', total: 42.5 });
    expect(span).toMatchObject(idsOf(traceparent));
  });

  it('asynchronous invoke: from the top of the payload', async () => {
    const event = loadEvent('invoke', 'async-envelope');
    const { seen, span } = await run(event);
    expect(seen).not.toHaveProperty('_baton');
    expect(span).toMatchObject(idsOf(loadEvent('invoke', 'async-envelope')._baton.traceparent));
  });

  it('Step Functions: from the top of the payload', async () => {
    const event = loadEvent('stepfunctions', 'envelope');
    const { seen, span } = await run(event);
    expect(seen).not.toHaveProperty('_baton');
    expect(seen.order).toEqual(loadEvent('stepfunctions', 'envelope').order);
    expect(span).toMatchObject(idsOf(loadEvent('stepfunctions', 'envelope')._baton.traceparent));
  });
});

describe('the envelope stays inside strings and bytes the handler decodes itself', () => {
  it('SQS: an EventBridge event in the body keeps detail._baton, byte for byte', async () => {
    const event = loadEvent('sqs', 'eventbridge-envelope');
    const body = event.Records[0].body;
    const { seen, span } = await run(event);
    expect(seen.Records[0].body).toBe(body);
    expect(span).toMatchObject(idsOf(JSON.parse(body).detail._baton.traceparent));
  });

  it('Kinesis: data keeps its _baton', async () => {
    const event = loadEvent('kinesis', 'w3c');
    const data = event.Records.map((r: any) => r.kinesis.data);
    const { seen } = await run(event);
    expect(seen.Records.map((r: any) => r.kinesis.data)).toEqual(data);
  });
});

describe('a payload’s own _baton of another shape', () => {
  it('reaches the handler unchanged and is not read as a carrier (EventBridge detail)', async () => {
    const event = loadEvent('eventbridge', 'w3c');
    event.detail._baton = { ...event.detail._baton, attempts: 2 };
    const sent = structuredClone(event.detail);
    const { seen, span } = await run(event);
    expect(seen.detail).toEqual(sent);
    expect(span?.parentSpanId).toBeUndefined();
  });

  it('reaches the handler unchanged and is not read as a carrier (asynchronous invoke)', async () => {
    const event = { orderId: 'o-9', _baton: ['baton', 'relay', 3] };
    const { seen, span } = await run(structuredClone(event));
    expect(seen).toEqual(event);
    expect(span?.parentSpanId).toBeUndefined();
  });
});
