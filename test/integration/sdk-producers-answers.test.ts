/**
 * The real SDK clients, instrumented, against a local server (test/support/fake-aws.ts) that
 * answers as the services do when a batch partly fails, and records every request as sent:
 * partial failures make error spans, and — a fast-check property — whatever the caller sends,
 * it arrives with the caller's values intact and within AWS's limits, and the send resolves.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ROOT_CONTEXT, context as contextApi, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { instrumentClient } from '../../src/index.js';
import { getTracing, resetTracingForTests } from '../../src/tracer/provider.js';
import type { Tracing } from '../../src/tracer/provider.js';
import { exportsAnswered } from '../support/exports.js';
import { md5, startFakeAws } from '../support/fake-aws.js';
import type { FakeAws } from '../support/fake-aws.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { messageSize, parentWith } from '../support/producers.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

const PRODUCER = 4;
const ERROR = 2;
const LIMIT = 262_144;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:updates';

let aws: FakeAws;
let receiver: OtlpReceiver;
let tracing: Tracing;
const diagnostics: string[] = [];
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  [aws, receiver] = await Promise.all([startFakeAws(), startOtlpReceiver()]);
  tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'producer' }, {})!;
  setDiagnosticSink((line) => diagnostics.push(line));
  sqs = instrumentClient(new SQSClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 }));
  sns = instrumentClient(new SNSClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 }));
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await Promise.all([aws?.close(), receiver?.close()]);
});
beforeEach(async () => {
  await tracing.flush(5000);
  await exportsAnswered();
  receiver.reset();
  aws.reset();
  diagnostics.length = 0;
  resetDiagnostics();
});

async function producer(): Promise<ReceivedSpan> {
  await tracing.flush(5000);
  await exportsAnswered();
  const spans = receiver.spans.filter((s) => s.kind === PRODUCER);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

const under = <T>(work: () => Promise<T>): Promise<T> => contextApi.with(parentWith(0, 0), work);

describe('partial batch failures and failed executions', () => {
  it('SQS SendMessageBatch with Failed entries: error status, the output unchanged', async () => {
    aws.answer('SendMessageBatch', (body) => {
      const [ok, bad] = JSON.parse(body).Entries;
      return { body: { Successful: [{ Id: ok.Id, MessageId: 'm-1', MD5OfMessageBody: md5(ok.MessageBody) }], Failed: [{ Id: bad.Id, Code: 'InternalError', SenderFault: false }] } };
    });
    const out = await under(() => sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two' }] })));
    expect(out.Failed).toEqual([{ Id: 'b', Code: 'InternalError', SenderFault: false }]);
    const span = await producer();
    expect(span.status).toMatchObject({ code: ERROR, message: '1 of 2 entries failed' });
    expect(span.attributes['error.type']).toBe('partial_failure');
  });

  it('SNS PublishBatch with Failed entries: error status', async () => {
    aws.answer('PublishBatch', () => ({
      body: '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful><member><Id>a</Id><MessageId>p-1</MessageId></member></Successful><Failed><member><Id>b</Id><Code>InternalError</Code><SenderFault>false</SenderFault></member></Failed></PublishBatchResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishBatchResponse>',
    }));
    await under(() => sns.send(new PublishBatchCommand({ TopicArn: TOPIC_ARN, PublishBatchRequestEntries: [{ Id: 'a', Message: 'one' }, { Id: 'b', Message: 'two' }] })));
    expect((await producer()).status).toMatchObject({ code: ERROR, message: '1 of 2 entries failed' });
  });

  it('EventBridge PutEvents with FailedEntryCount: error status; one successful entry: its event id', async () => {
    const events = instrumentClient(new EventBridgeClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 }));
    aws.answer('PutEvents', () => ({ body: { FailedEntryCount: 1, Entries: [{ EventId: 'e-1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] } }));
    await under(() => events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }, { Source: 's', DetailType: 'd', Detail: '{}' }] })));
    expect((await producer()).status).toMatchObject({ code: ERROR, message: '1 of 2 entries failed' });

    receiver.reset();
    aws.answer('PutEvents', () => ({ body: { FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] } }));
    await under(() => events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] })));
    const span = await producer();
    expect(span.status.code).not.toBe(ERROR);
    expect(span.attributes).toMatchObject({ 'messaging.message.id': 'e-2', 'messaging.destination.name': 'default' });
    events.destroy();
  });

  it('Kinesis PutRecords with FailedRecordCount: error status', async () => {
    const kinesis = instrumentClient(new KinesisClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() }));
    aws.answer('PutRecords', () => ({ body: { FailedRecordCount: 1, Records: [{ SequenceNumber: '1', ShardId: 's' }, { ErrorCode: 'ProvisionedThroughputExceededException' }] } }));
    await under(() => kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: [{ PartitionKey: 'p', Data: Buffer.from('{}') }, { PartitionKey: 'p', Data: Buffer.from('{}') }] })));
    expect((await producer()).status).toMatchObject({ code: ERROR, message: '1 of 2 entries failed' });
    kinesis.destroy();
  });

  it('Step Functions StartSyncExecution that ran and failed: error status with the execution’s error', async () => {
    // StartSyncExecution has the host prefix `sync-`, which a local endpoint cannot take.
    const sfn = instrumentClient(new SFNClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1, disableHostPrefix: true }));
    aws.answer('StartSyncExecution', () => ({ body: { executionArn: 'arn:aws:states:us-east-1:123456789012:express:m:e', status: 'FAILED', error: 'States.TaskFailed', startDate: 0, stopDate: 0 } }));
    await under(() => sfn.send(new StartSyncExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m', input: '{"a":1}' })));
    const span = await producer();
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBe('States.TaskFailed');
    expect(JSON.parse(aws.requests[0]!.body).input).toMatch(/^\{"a":1,"_baton":\{"traceparent":"00-/);
    sfn.destroy();
  });
});


describe('concurrent sends on one client', () => {
  it('each carries the span of its own send, under its own parent', async () => {
    const parents = Array.from({ length: 20 }, (_, i) =>
      trace.setSpanContext(ROOT_CONTEXT, { traceId: i.toString(16).padStart(32, 'a'), spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true }),
    );
    await Promise.all(
      parents.map((parentContext, i) =>
        contextApi.with(parentContext, () => sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: `m${i}` }))),
      ),
    );
    await tracing.flush(5000);
    await exportsAnswered();
    const spans = receiver.spans.filter((s) => s.kind === PRODUCER);
    expect(spans).toHaveLength(20);
    for (const request of aws.requests) {
      const sent = JSON.parse(request.body);
      const i = Number(String(sent.MessageBody).slice(1));
      const [, traceId, spanId] = sent.MessageAttributes.traceparent.StringValue.split('-');
      expect(traceId).toBe(i.toString(16).padStart(32, 'a'));
      expect(spans.find((s) => s.spanId === spanId)).toMatchObject({ traceId, parentSpanId: 'b7ad6b7169203331' });
    }
  });
});

describe('the envelope within each service’s size limit', () => {
  const fieldsBytes = Buffer.byteLength(',"_baton":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"}');

  it('EventBridge: an entry that would take the request past 262,144 bytes is sent unchanged; one that fits gets the envelope', async () => {
    const events = instrumentClient(new EventBridgeClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 }));
    // Source (1) + DetailType (1) + Detail: the request is this many bytes short of the limit.
    const detailOf = (room: number) => `{"pad":"${'p'.repeat(LIMIT - 2 - '{"pad":""}'.length - room)}"}`;
    for (const room of [fieldsBytes - 1, fieldsBytes]) {
      aws.reset();
      const Detail = detailOf(room);
      await under(() => events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail }] })));
      const sent = JSON.parse(aws.requests[0]!.body).Entries[0].Detail as string;
      if (room < fieldsBytes) expect(sent).toBe(Detail);
      else expect(sent.startsWith(Detail.slice(0, -1)) && sent.includes('"_baton"')).toBe(true);
      expect(2 + Buffer.byteLength(sent)).toBeLessThanOrEqual(LIMIT);
    }
    expect(diagnostics).toEqual([expect.stringContaining('too close to its size limit')]);
    events.destroy();
  });

  it('Kinesis: a record within a few bytes of 1 MiB (data plus partition key) is sent unchanged', async () => {
    const kinesis = instrumentClient(new KinesisClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() }));
    const data = Buffer.from(`{"pad":"${'p'.repeat(1_048_576 - 20 - '{"pad":""}'.length)}"}`);
    await under(() => kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: [{ PartitionKey: 'key', Data: data }, { PartitionKey: 'key', Data: Buffer.from('{"small":1}') }] })));
    const records = JSON.parse(aws.requests[0]!.body).Records;
    expect(Buffer.from(records[0].Data, 'base64')).toEqual(data);
    expect(Buffer.from(records[1].Data, 'base64').toString()).toMatch(/^\{"small":1,"_baton":\{"traceparent":"00-/);
    kinesis.destroy();
  });
});

// ---- The property: any input is sent with the caller's values intact, within limits.

const attributeName = fc.oneof(
  fc.constantFrom('traceparent', 'TraceParent', 'tracestate', 'baggage', 'AWSTraceHeader', '_datadog', '_DataDog', 'x-datadog-trace-id', 'a'),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,24}$/),
);
const attributeValue: fc.Arbitrary<MessageAttributeValue> = fc.oneof(
  fc.record({ DataType: fc.constantFrom('String', 'String.custom', 'Number'), StringValue: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) }),
  fc.record({ DataType: fc.constant('Binary'), BinaryValue: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);
// A few attributes, or close to the limit of 10 (and past it: the caller's own mistake, sent as is).
const attributeMap = fc
  .oneof(
    fc.uniqueArray(fc.tuple(attributeName, attributeValue), { maxLength: 3, selector: ([name]) => name }),
    fc.uniqueArray(fc.tuple(attributeName, attributeValue), { minLength: 8, maxLength: 11, selector: ([name]) => name }),
  )
  .map((pairs) => Object.fromEntries(pairs) as Record<string, MessageAttributeValue>);
/** A body: short, or within a few hundred bytes of the limit (ASCII, or two-byte UTF-8). */
const body = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
  fc.integer({ min: 0, max: 400 }).map((k) => 'b'.repeat(LIMIT - k)),
  fc.integer({ min: 0, max: 400 }).map((k) => 'é'.repeat(Math.floor((LIMIT - k) / 2))),
);
/** 1 to 3 messages, short, or long enough that, with their attributes, the batch comes within `k` bytes of the limit. */
const batch = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc
    .tuple(
      fc.boolean(),
      fc.integer({ min: 0, max: 200 }),
      fc.array(fc.record({ short: fc.string({ minLength: 1, maxLength: 50 }), attributes: attributeMap }), { minLength: n, maxLength: n }),
    )
    .map(([long, k, messages]) =>
      messages.map((m) => ({ body: long ? 'b'.repeat(Math.max(1, Math.floor((LIMIT - k) / n) - messageSize('', m.attributes))) : m.short, attributes: m.attributes })),
    ),
);
const parent = fc.record({ tracestate: fc.constantFrom(0, 30, 400), baggage: fc.constantFrom(0, 30, 3000) });

/** SQS's JSON protocol sends BinaryValue as base64. */
function decodeSqs(attributes: Record<string, any> | undefined): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, v]) => [name, v.BinaryValue === undefined ? v : { ...v, BinaryValue: new Uint8Array(Buffer.from(v.BinaryValue, 'base64')) }]),
  );
}

/** SNS's query protocol: `MessageAttributes.entry.N.Name`, `.Value.DataType`, `.Value.StringValue` / `.Value.BinaryValue`. */
function decodeSns(body: string): { message: string; attributes: Record<string, MessageAttributeValue> } {
  const form = new URLSearchParams(body);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const at = `MessageAttributes.entry.${n}.Value.`;
    const binary = form.get(`${at}BinaryValue`);
    attributes[form.get(`MessageAttributes.entry.${n}.Name`)!] = {
      DataType: form.get(`${at}DataType`)!,
      ...(binary === null ? { StringValue: form.get(`${at}StringValue`)! } : { BinaryValue: new Uint8Array(Buffer.from(binary, 'base64')) }),
    };
  }
  return { message: form.get('Message') ?? '', attributes };
}

const W3C = new Set(['traceparent', 'tracestate', 'baggage']);
const WITH_DATADOG = new Set([...W3C, '_datadog']);

/** What must hold of one message as sent, for the caller's `attributes` and `messageBody`. */
function expectIntactAndWithin(
  messageBody: string,
  attributes: Record<string, MessageAttributeValue>,
  sentBody: string,
  sent: Record<string, MessageAttributeValue>,
  ours: ReadonlySet<string>,
): void {
  expect(sentBody).toBe(messageBody);
  for (const [name, value] of Object.entries(attributes)) expect(sent[name]).toEqual(value);
  const added = Object.keys(sent).filter((name) => !(name in attributes));
  for (const name of added) expect(ours.has(name)).toBe(true);
  const callerCount = Object.keys(attributes).length;
  if (callerCount <= 10 && messageSize(messageBody, attributes) <= LIMIT) {
    expect(Object.keys(sent).length).toBeLessThanOrEqual(10);
    expect(messageSize(sentBody, sent)).toBeLessThanOrEqual(LIMIT);
  }
}

/** The `_datadog` JSON Datadog reads for the span a `traceparent` names: the lower half in decimal, the upper as `_dd.p.tid`. */
function datadogFor(traceparent: string): string {
  const [, traceId, spanId, flags] = traceparent.split('-') as [string, string, string, string];
  return JSON.stringify({
    'x-datadog-trace-id': BigInt(`0x${traceId.slice(16)}`).toString(),
    'x-datadog-parent-id': BigInt(`0x${spanId}`).toString(),
    'x-datadog-sampling-priority': (Number.parseInt(flags, 16) & 1) === 1 ? '1' : '0',
    'x-datadog-tags': `_dd.p.tid=${traceId.slice(0, 16)}`,
  });
}

/**
 * With `datadog` named: Datadog's fields only ever travel as one `_datadog` attribute of
 * `dataType`, naming the span our `traceparent` names; and it is missing only when it did not
 * fit (10 attributes, or its bytes past the message's or the batch's room) or the caller set theirs.
 */
function expectDatadog(
  attributes: Record<string, MessageAttributeValue>,
  sentBody: string,
  sent: Record<string, MessageAttributeValue>,
  dataType: 'String' | 'Binary',
  batchTotal: number | undefined,
): void {
  const callerNames = Object.keys(attributes).map((n) => n.toLowerCase());
  for (const name of Object.keys(sent)) if (!callerNames.includes(name.toLowerCase())) expect(name.startsWith('x-datadog-')).toBe(false);
  const traceparent = callerNames.includes('traceparent') ? undefined : sent['traceparent']?.StringValue;
  const ours = callerNames.includes('_datadog') ? undefined : sent['_datadog'];
  if (traceparent === undefined) {
    // No context of ours was written (no room, or the caller's own): no `_datadog` either.
    expect(ours).toBeUndefined();
    return;
  }
  const json = datadogFor(traceparent);
  if (ours !== undefined) {
    expect(ours.DataType).toBe(dataType);
    const value = dataType === 'String' ? ours.StringValue : Buffer.from(ours.BinaryValue!).toString('utf8');
    expect(value).toBe(json);
  } else if (!callerNames.includes('_datadog')) {
    // What `_datadog` would add: its name, type and value (the same bytes as String or Binary).
    const bytes = messageSize('', { _datadog: { DataType: dataType, StringValue: json } });
    const noRoom =
      Object.keys(sent).length >= 10 || messageSize(sentBody, sent) + bytes > LIMIT || (batchTotal !== undefined && batchTotal + bytes > LIMIT);
    expect(noRoom).toBe(true);
  }
}

function properties(datadogNamed: boolean): void {
  const ours = datadogNamed ? WITH_DATADOG : W3C;

  it('SQS SendMessage and SendMessageBatch', async () => {
    await fc.assert(
      fc.asyncProperty(batch, parent, async (messages, p) => {
        aws.reset();
        await contextApi.with(parentWith(p.tracestate, p.baggage), async () => {
          if (messages.length === 1) {
            await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: messages[0]!.body, MessageAttributes: messages[0]!.attributes }));
          } else {
            const Entries = messages.map((m, i) => ({ Id: `e${i}`, MessageBody: m.body, MessageAttributes: m.attributes }));
            await sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries }));
          }
        });
        const sent = JSON.parse(aws.requests[0]!.body);
        const entries = messages.length === 1 ? [sent] : sent.Entries;
        const decoded = messages.map((_, i) => decodeSqs(entries[i].MessageAttributes));
        const batchTotal = messages.reduce((sum, _, i) => sum + messageSize(entries[i].MessageBody, decoded[i]!), 0);
        messages.forEach((m, i) => {
          const entry = entries[i];
          const attributes = decoded[i]!;
          expectIntactAndWithin(m.body, m.attributes, entry.MessageBody, attributes, ours);
          if (datadogNamed) expectDatadog(m.attributes, entry.MessageBody, attributes, 'String', messages.length > 1 ? batchTotal : undefined);
          const callerNames = Object.keys(m.attributes).map((n) => n.toLowerCase());
          // No room for traceparent, and the caller did not set it: AWSTraceHeader carries the context.
          if (!('traceparent' in attributes) && !callerNames.includes('traceparent')) {
            expect(entry.MessageSystemAttributes?.AWSTraceHeader?.StringValue).toMatch(/^Root=1-/);
          }
        });
        const callerTotal = messages.reduce((sum, m) => sum + messageSize(m.body, m.attributes), 0);
        if (messages.length > 1 && callerTotal <= LIMIT) expect(batchTotal).toBeLessThanOrEqual(LIMIT);
      }),
      { numRuns: 60 },
    );
  });

  it('SNS Publish', async () => {
    await fc.assert(
      fc.asyncProperty(body, attributeMap, parent, async (message, attributes, p) => {
        aws.reset();
        await contextApi.with(parentWith(p.tracestate, p.baggage), () => sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: message, MessageAttributes: attributes })));
        const sent = decodeSns(aws.requests[0]!.body);
        expectIntactAndWithin(message, attributes, sent.message, sent.attributes, ours);
        if (datadogNamed) expectDatadog(attributes, sent.message, sent.attributes, 'Binary', undefined);
      }),
      { numRuns: 60 },
    );
  });
}

describe('property: the caller’s values arrive intact and within limits, and the send resolves', () => {
  properties(false);
});

describe('property, with datadog named: the same, and Datadog’s context as one `_datadog` attribute (String on SQS, Binary on SNS) whenever it fits', () => {
  beforeAll(async () => {
    await tracing.flush(5000);
    await resetTracingForTests();
    tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'producer', propagators: ['tracecontext', 'baggage', 'datadog'] }, {})!;
  });
  afterAll(async () => {
    await tracing.flush(5000);
    await resetTracingForTests();
  });
  properties(true);
});
