/**
 * The real AWS SDK clients, instrumented, sending to moto_server through a recording proxy on
 * 127.0.0.1; what arrived is read back from moto, shaped as the event Lambda delivers, and run
 * through the wrapper's own extraction (extractInvocation). Spans go to a real OTLP receiver.
 * moto enforces neither the 10-attribute nor the 256 KiB limit, so the tests check the limits
 * themselves; it drops SendMessageBatch entries' MessageSystemAttributes, so those are read
 * from the request the SDK sent.
 */
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, PublishBatchCommand, PublishCommand, SNSClient, SetSubscriptionAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ROOT_CONTEXT, context as contextApi, defaultTextMapGetter, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { instrumentClient, withTracing } from '../../src/index.js';
import { extractInvocation } from '../../src/propagation/extract.js';
import { createPropagation } from '../../src/propagation/propagators.js';
import type { Propagation } from '../../src/propagation/propagators.js';
import type { Extraction } from '../../src/propagation/extract.js';
import { LineageXRayPropagator } from '../../src/propagation/xray.js';
import { getTracing, resetTracingForTests } from '../../src/tracer/provider.js';
import type { Tracing } from '../../src/tracer/provider.js';
import { exportsAnswered } from '../support/exports.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startMoto } from '../support/moto.js';
import type { Moto } from '../support/moto.js';
import { startOtlpReceiver, traceparentOf } from '../support/otlp-receiver.js';
import { messageSize, parentWith } from '../support/producers.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

const PRODUCER = 4;
const ERROR = 2;
const LIMIT = 262_144;
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: Moto;
let receiver: OtlpReceiver;
let tracing: Tracing;
const diagnostics: string[] = [];

let sqs: SQSClient;
let plainSqs: SQSClient;
let sns: SNSClient;
let events: EventBridgeClient;
let kinesis: KinesisClient;
let sfn: SFNClient;

beforeAll(async () => {
  [moto, receiver] = await Promise.all([startMoto(), startOtlpReceiver()]);
  tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'producer' }, {})!;
  setDiagnosticSink((line) => diagnostics.push(line));
  const config = { endpoint: moto.url, region: 'us-east-1', credentials, maxAttempts: 1 };
  sqs = instrumentClient(new SQSClient(config));
  plainSqs = new SQSClient(config);
  sns = instrumentClient(new SNSClient(config));
  events = instrumentClient(new EventBridgeClient(config));
  // Kinesis clients speak HTTP/2 by default (for SubscribeToShard); moto speaks HTTP/1.1.
  kinesis = instrumentClient(new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }));
  sfn = instrumentClient(new SFNClient(config));
}, 90_000);
afterAll(async () => {
  for (const client of [sqs, plainSqs, sns, events, kinesis, sfn]) client?.destroy();
  await Promise.all([moto?.close(), receiver?.close()]);
});
beforeEach(async () => {
  await tracing.flush(5000);
  await exportsAnswered();
  receiver.reset();
  diagnostics.length = 0;
  resetDiagnostics();
});

let queues = 0;
async function queue(): Promise<{ url: string; name: string; arn: string }> {
  const name = `q${++queues}-${Date.now()}`;
  const { QueueUrl } = await plainSqs.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl!, name, arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}` };
}

/** Everything on the queue, with every attribute, as many as `count`. */
async function receive(url: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let i = 0; i < 10 && messages.length < count; i++) {
    const out = await plainSqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    messages.push(...(out.Messages ?? []));
  }
  return messages;
}

/** The SQS event Lambda's event source mapping delivers for `messages`. */
function sqsEvent(messages: Message[], queueName: string): unknown {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: m.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          {
            // Lambda delivers a Binary attribute's value as base64.
            ...(v.BinaryValue === undefined ? { stringValue: v.StringValue } : { binaryValue: Buffer.from(v.BinaryValue).toString('base64') }),
            stringListValues: [],
            binaryListValues: [],
            dataType: v.DataType,
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:${queueName}`,
      awsRegion: 'us-east-1',
    })),
  };
}

const extract = (event: unknown, propagation: Propagation = tracing.propagation): Extraction =>
  extractInvocation(event, lambdaContext(), { propagation, xrayEnvironmentAsParent: false }, {});

/** Run `work` inside a withTracing invocation; its spans are exported when it returns. */
async function inInvocation<T>(work: () => Promise<T>): Promise<T> {
  const handler = withTracing(async () => work());
  return (await handler({}, lambdaContext())) as T;
}

async function producers(): Promise<ReceivedSpan[]> {
  await tracing.flush(5000);
  await exportsAnswered();
  return receiver.spans.filter((s) => s.kind === PRODUCER);
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

/** Every record of `extraction` found the producer span as its context. */
function expectParentedBy(extraction: Extraction, producer: ReceivedSpan, count: number): void {
  expect(extraction.records).toHaveLength(count);
  for (const record of extraction.records ?? []) {
    expect(record.found?.spanContext).toMatchObject({ traceId: producer.traceId, spanId: producer.spanId });
  }
}

function attributes(count: number): Record<string, MessageAttributeValue> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `value ${i}` }]));
}


const sentJson = (operation: string): any => JSON.parse(moto.last(operation)!.body.toString('utf8'));

describe('SQS', () => {
  it('SendMessage: a PRODUCER span per the messaging conventions, its context in the message attributes', async () => {
    const q = await queue();
    const out = await inInvocation(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"order":1}', MessageAttributes: attributes(2) })));

    const producer = only(await producers());
    expect(producer.name).toBe(`send ${q.name}`);
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': q.name,
      'messaging.operation.type': 'send',
      'messaging.message.id': out.MessageId,
      'cloud.region': 'us-east-1',
    });
    expect(producer.attributes['messaging.batch.message_count']).toBeUndefined();
    const [message] = await receive(q.url, 1);
    expect(message!.Body).toBe('{"order":1}');
    expect(message!.MessageAttributes).toMatchObject(attributes(2));
    expect(message!.MessageAttributes!['traceparent']!.StringValue).toBe(traceparentOf(producer));
    // Datadog's format is written only when `datadog` is named among the propagators.
    expect(Object.keys(message!.MessageAttributes!).filter((name) => /datadog/i.test(name))).toEqual([]);
    expectParentedBy(extract(sqsEvent([message!], q.name)), producer, 1);
  });

  it("names the client's region on every send's span: its first, while the region provider resolves, and the later ones", async () => {
    const q = await queue();
    const fresh = instrumentClient(new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials, maxAttempts: 1 }));
    try {
      await inInvocation(async () => {
        await fresh.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'first' }));
        await fresh.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'second' }));
      });
    } finally {
      fresh.destroy();
    }
    const spans = await producers();
    expect(spans).toHaveLength(2);
    for (const span of spans) expect(span.attributes['cloud.region']).toBe('us-east-1');
  });

  it('SendMessageBatch: every entry carries the producer span, which counts the batch', async () => {
    const q = await queue();
    const Entries = [0, 1, 2].map((i) => ({ Id: `m${i}`, MessageBody: `body ${i}`, ...(i === 1 ? { MessageAttributes: attributes(3) } : {}) }));
    await inInvocation(() => sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries })));

    const producer = only(await producers());
    expect(producer.attributes['messaging.batch.message_count']).toBe(3);
    const messages = await receive(q.url, 3);
    expectParentedBy(extract(sqsEvent(messages, q.name)), producer, 3);
    expect(messages.map((m) => m.Body).sort()).toEqual(['body 0', 'body 1', 'body 2']);
  });

  it('fills the room left in priority order: with 9 attributes, traceparent is the 10th, tracestate and baggage are dropped and said so once', async () => {
    const q = await queue();
    // Under a parent with tracestate and baggage (an invocation would start from its own event).
    await contextApi.with(parentWith(20, 20), () => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'nine', MessageAttributes: attributes(9) })));

    const producer = only(await producers());
    const [message] = await receive(q.url, 1);
    expect(Object.keys(message!.MessageAttributes!).sort()).toEqual([...Object.keys(attributes(9)), 'traceparent'].sort());
    expect(diagnostics).toEqual([expect.stringContaining('(dropped: tracestate, baggage)')]);
    expectParentedBy(extract(sqsEvent([message!], q.name)), producer, 1);
  });

  it('with room for all three, writes traceparent, tracestate and baggage', async () => {
    const q = await queue();
    await contextApi.with(parentWith(20, 20), () => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'seven', MessageAttributes: attributes(7) })));
    const [message] = await receive(q.url, 1);
    expect(Object.keys(message!.MessageAttributes!)).toEqual(expect.arrayContaining(['traceparent', 'tracestate', 'baggage']));
    expect(Object.keys(message!.MessageAttributes!)).toHaveLength(10);
    expect(diagnostics).toEqual([]);
  });

  it('with 10 attributes, carries the context in AWSTraceHeader (X-Ray format, Lineage kept) and adds no attribute', async () => {
    const q = await queue();
    const lineage = 'a87bd80c:1';
    const parent = new LineageXRayPropagator().extract(
      ROOT_CONTEXT,
      { 'x-amzn-trace-id': `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=${lineage}` },
      defaultTextMapGetter,
    );
    await contextApi.with(parent, () => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'ten', MessageAttributes: attributes(10) })));

    const producer = only(await producers());
    const [message] = await receive(q.url, 1);
    expect(message!.MessageAttributes).toEqual(attributes(10));
    const header = message!.Attributes!['AWSTraceHeader']!;
    expect(header).toContain(`Parent=${producer.spanId}`);
    expect(header).toContain(`Lineage=${lineage}`);
    expect(diagnostics).toEqual([expect.stringContaining('AWSTraceHeader system attribute instead')]);
    expectParentedBy(extract(sqsEvent([message!], q.name)), producer, 1);
  });

  it('a body within a few bytes of 256 KiB stays within the limit: the context goes to AWSTraceHeader', async () => {
    const q = await queue();
    const body = 'x'.repeat(LIMIT - 40);
    await inInvocation(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body })));

    const producer = only(await producers());
    const sent = sentJson('SendMessage');
    expect(sent.MessageBody).toBe(body);
    expect(messageSize(sent.MessageBody, sent.MessageAttributes)).toBeLessThanOrEqual(LIMIT);
    expect(sent.MessageSystemAttributes.AWSTraceHeader.StringValue).toContain(`Parent=${producer.spanId}`);
    const [message] = await receive(q.url, 1);
    expectParentedBy(extract(sqsEvent([message!], q.name)), producer, 1);
  });

  it('a body just small enough gets traceparent and stays at or under 262,144 bytes', async () => {
    const q = await queue();
    // traceparent costs 11 (name) + 6 (String) + 55 (value) = 72 bytes.
    const body = 'y'.repeat(LIMIT - 72);
    await inInvocation(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body })));
    const sent = sentJson('SendMessage');
    expect(Object.keys(sent.MessageAttributes)).toEqual(['traceparent']);
    expect(messageSize(sent.MessageBody, sent.MessageAttributes)).toBe(LIMIT);
  });

  it('SendMessageBatch entries with no room get AWSTraceHeader each, as the request the SDK sent shows', async () => {
    const q = await queue();
    const Entries = [0, 1].map((i) => ({ Id: `m${i}`, MessageBody: `full ${i}`, MessageAttributes: attributes(10) }));
    await inInvocation(() => sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries })));

    const producer = only(await producers());
    const sent = sentJson('SendMessageBatch');
    for (const entry of sent.Entries) {
      expect(Object.keys(entry.MessageAttributes)).toHaveLength(10);
      expect(entry.MessageSystemAttributes.AWSTraceHeader.StringValue).toContain(`Parent=${producer.spanId}`);
    }
  });

  it('the caller’s own traceparent and AWSTraceHeader win', async () => {
    const q = await queue();
    const theirs = '00-11111111111111111111111111111111-2222222222222222-01';
    await inInvocation(() =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: q.url,
          MessageBody: 'mine',
          MessageAttributes: { traceparent: { DataType: 'String', StringValue: theirs } },
        }),
      ),
    );
    expect(sentJson('SendMessage').MessageAttributes).toEqual({ traceparent: { DataType: 'String', StringValue: theirs } });

    const system = { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' } };
    await inInvocation(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'full', MessageAttributes: attributes(10), MessageSystemAttributes: system })));
    const sent = sentJson('SendMessage');
    expect(sent.MessageSystemAttributes).toEqual(system);
    expect(sent.MessageAttributes).toEqual(attributes(10));
    expect(diagnostics).toEqual([expect.stringContaining('sent unchanged')]);
  });

  it('does not change the caller’s input object, which can be sent again', async () => {
    const q = await queue();
    const input = { QueueUrl: q.url, MessageBody: 'again', MessageAttributes: attributes(1) };
    const snapshot = structuredClone(input);
    const command = new SendMessageCommand(input);
    await inInvocation(async () => {
      await sqs.send(command);
      await sqs.send(command);
    });
    expect(input).toEqual(snapshot);
    const spans = await producers();
    expect(spans).toHaveLength(2);
    const messages = await receive(q.url, 2);
    const parents = messages.map((m) => m.MessageAttributes!['traceparent']!.StringValue).sort();
    expect(parents).toEqual(spans.map(traceparentOf).sort());
  });

  it('a failed send: error status on the span, the SDK’s error unchanged', async () => {
    const error = await inInvocation(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: `${moto.url}/${ACCOUNT}/missing-queue`, MessageBody: 'lost' })).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(Error);
    const producer = only(await producers());
    expect(producer.status.code).toBe(ERROR);
    expect(producer.attributes['error.type']).toBe((error as Error).name);
  });
});

describe('SNS', () => {
  async function topicWithQueues(): Promise<{ topicArn: string; raw: { url: string; name: string }; wrapped: { url: string; name: string } }> {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `t${Date.now()}${++queues}` }));
    const [raw, wrapped] = [await queue(), await queue()];
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: raw.arn }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: wrapped.arn }));
    return { topicArn: TopicArn!, raw, wrapped };
  }

  it('Publish reaches SQS subscribers with raw delivery on and off, each message parented by the publish span', async () => {
    const { topicArn, raw, wrapped } = await topicWithQueues();
    const out = await inInvocation(() => sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"order":2}', MessageAttributes: attributes(1) })));

    const producer = only(await producers());
    const topic = topicArn.split(':').pop();
    expect(producer.name).toBe(`publish ${topic}`);
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'aws.sns',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'send',
      'messaging.message.id': out.MessageId,
      'cloud.region': 'us-east-1',
    });
    const [rawMessage] = await receive(raw.url, 1);
    expect(rawMessage!.Body).toBe('{"order":2}');
    expect(Object.keys(rawMessage!.MessageAttributes!).sort()).toEqual(['a0', 'traceparent']);
    expectParentedBy(extract(sqsEvent([rawMessage!], raw.name)), producer, 1);
    const [notification] = await receive(wrapped.url, 1);
    expect(JSON.parse(notification!.Body!).Message).toBe('{"order":2}');
    expectParentedBy(extract(sqsEvent([notification!], wrapped.name)), producer, 1);
  });

  it('PublishBatch: every entry carries the producer span', async () => {
    const { topicArn, raw, wrapped } = await topicWithQueues();
    const entries = [0, 1, 2].map((i) => ({ Id: `e${i}`, Message: `entry ${i}` }));
    await inInvocation(() => sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries })));

    const producer = only(await producers());
    expect(producer.attributes['messaging.batch.message_count']).toBe(3);
    expectParentedBy(extract(sqsEvent(await receive(raw.url, 3), raw.name)), producer, 3);
    expectParentedBy(extract(sqsEvent(await receive(wrapped.url, 3), wrapped.name)), producer, 3);
  });

  it('a message with 10 attributes is sent unchanged, and that is said once', async () => {
    const { topicArn } = await topicWithQueues();
    await inInvocation(async () => {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'full', MessageAttributes: attributes(10) }));
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'full', MessageAttributes: attributes(10) }));
    });
    const sent = new URLSearchParams(moto.last('Publish')!.body.toString('utf8'));
    const names = [...sent.keys()].filter((k) => /^MessageAttributes\.entry\.\d+\.Name$/.test(k)).map((k) => sent.get(k));
    expect(names.sort()).toEqual(Object.keys(attributes(10)).sort());
    expect(diagnostics).toEqual([expect.stringContaining('sent unchanged and carries no trace context')]);
  });
});

describe('EventBridge', () => {
  it('PutEvents: the envelope in each JSON Detail reaches an SQS target through a rule; a non-JSON Detail is sent unchanged', async () => {
    const q = await queue();
    const bus = `bus${Date.now()}`;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const rules = `r${Date.now()}b`;
    await events.send(new PutRuleCommand({ Name: rules, EventBusName: bus, EventPattern: JSON.stringify({ source: ['shop.orders'] }) }));
    await events.send(new PutTargetsCommand({ Rule: rules, EventBusName: bus, Targets: [{ Id: 'queue', Arn: q.arn }] }));

    const Entries = [
      { Source: 'shop.orders', DetailType: 'placed', Detail: '{"order":3, "big":12345678901234567890}', EventBusName: bus },
      { Source: 'shop.orders', DetailType: 'placed', Detail: '{}', EventBusName: bus },
      { Source: 'shop.other', DetailType: 'text', Detail: 'not json', EventBusName: bus },
    ];
    await inInvocation(() => events.send(new PutEventsCommand({ Entries })));

    const producer = only(await producers());
    expect(producer.name).toBe(`send ${bus}`);
    expect(producer.attributes).toMatchObject({ 'messaging.destination.name': bus, 'messaging.batch.message_count': 3, 'cloud.region': 'us-east-1' });
    const sent = sentJson('PutEvents');
    const traceparent = traceparentOf(producer);
    expect(sent.Entries[0].Detail).toBe(`{"order":3, "big":12345678901234567890,"_baton":{"traceparent":"${traceparent}"}}`);
    expect(sent.Entries[1].Detail).toBe(`{"_baton":{"traceparent":"${traceparent}"}}`);
    expect(sent.Entries[2].Detail).toBe('not json');
    expect(diagnostics).toEqual([expect.stringContaining('is not a JSON object')]);

    const messages = await receive(q.url, 2);
    expectParentedBy(extract(sqsEvent(messages, q.name)), producer, 2);
  });
});

describe('Kinesis', () => {
  it('PutRecord and PutRecords: the envelope in JSON data, bytes of the same type; binary data unchanged', async () => {
    const stream = `s${Date.now()}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    for (let i = 0; i < 50; i++) {
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
      if (StreamDescription?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const binary = new Uint8Array([0xff, 0x00, 0x7b, 0xfe, 0x7d]);
    const json = Buffer.from('{"order":4}');
    await inInvocation(async () => {
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'p', Data: new TextEncoder().encode('{"order":5}') }));
      await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: 'p', Data: json }, { PartitionKey: 'p', Data: binary }] }));
    });

    const spans = await producers();
    expect(spans.map((s) => s.name)).toEqual([`send ${stream}`, `send ${stream}`]);
    expect(spans[1]!.attributes['messaging.batch.message_count']).toBe(2);
    expect(json.toString()).toBe('{"order":4}');

    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: StreamDescription!.Shards![0]!.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records).toHaveLength(3);
    expect(Buffer.from(Records![2]!.Data!)).toEqual(Buffer.from(binary));
    const toEvent = (records: typeof Records) => ({
      Records: records!.map((r) => ({
        eventSource: 'aws:kinesis',
        eventSourceARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`,
        kinesis: { data: Buffer.from(r.Data!).toString('base64'), sequenceNumber: r.SequenceNumber, partitionKey: r.PartitionKey },
      })),
    });
    expectParentedBy(extract(toEvent(Records!.slice(0, 1))), spans[0]!, 1);
    expectParentedBy(extract(toEvent(Records!.slice(1, 2))), spans[1]!, 1);
    expect(extract(toEvent(Records!.slice(2))).records![0]!.found).toBeUndefined();
    expect(Buffer.from(Records![1]!.Data!).toString()).toMatch(/^\{"order":4,"_baton":\{"traceparent":"00-/);
  });
});

describe('Step Functions', () => {
  it('StartExecution: the envelope in a JSON object input reaches the state machine', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `m${Date.now()}`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    const out = await inInvocation(() => sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"order":6}' })));

    const producer = only(await producers());
    expect(producer.name).toBe(`start ${stateMachineArn!.split(':').pop()}`);
    expect(producer.attributes['messaging.message.id']).toBe(out.executionArn);
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: out.executionArn }));
    // A Lambda task whose payload is the state's input plus the context object.
    const event = { ...JSON.parse(input!), context: { Execution: { Id: out.executionArn }, State: { Name: 'Task' }, StateMachine: { Id: stateMachineArn } } };
    const extraction = extract(event);
    expect(extraction.trigger.name).toBe('stepfunctions');
    expect(extraction.parent?.spanContext).toMatchObject({ traceId: producer.traceId, spanId: producer.spanId });
  });
});

describe('other clients', () => {
  it('are returned untouched, and their calls make no span', async () => {
    const client = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials });
    const other = { middlewareStack: client.middlewareStack, config: { serviceId: 'DynamoDB' } };
    expect(instrumentClient(other)).toBe(other);
    const q = await queue();
    await inInvocation(() => client.send(new GetQueueAttributesCommand({ QueueUrl: q.url })));
    expect(await producers()).toEqual([]);
    client.destroy();
  });
});

describe('with datadog named among the propagators', () => {
  const named = ['tracecontext', 'baggage', 'datadog'] as const;
  /** How a consumer that reads Datadog's format first sees the messages, and one that reads only Datadog's. */
  const datadogFirst = createPropagation(['datadog', 'tracecontext', 'baggage']);
  const datadogOnly = createPropagation(['datadog']);
  /** 128 bits: the upper half is not zero, so it travels as `_dd.p.tid`. */
  const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';

  beforeAll(async () => {
    await tracing.flush(5000);
    await resetTracingForTests();
    tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'producer', propagators: [...named] }, {})!;
  });
  afterAll(async () => {
    await tracing.flush(5000);
    await resetTracingForTests();
    tracing = getTracing({ endpoint: receiver.url, protocol: 'http/json', serviceName: 'producer' }, {})!;
  });

  /** The `_datadog` fields Datadog's consumers read for `producer`: the lower half in decimal, the upper as `_dd.p.tid`. */
  function datadogOf(producer: ReceivedSpan): Record<string, string> {
    return {
      'x-datadog-trace-id': BigInt(`0x${producer.traceId.slice(16)}`).toString(),
      'x-datadog-parent-id': BigInt(`0x${producer.spanId}`).toString(),
      'x-datadog-sampling-priority': '1',
      'x-datadog-tags': `_dd.p.tid=${producer.traceId.slice(0, 16)}`,
    };
  }

  /** Each record is the producer's child, read Datadog first, and from `_datadog` alone when only Datadog's format is read. */
  function expectDatadogParented(event: unknown, producer: ReceivedSpan, count: number, at: string): void {
    expectParentedBy(extract(event, datadogFirst), producer, count);
    const alone = extract(event, datadogOnly);
    expectParentedBy(alone, producer, count);
    alone.records!.forEach((record, i) => expect(record.found?.source).toBe(`sqs.Records[${i}].${at}._datadog.x-datadog-trace-id`));
  }

  const under = <T>(work: () => Promise<T>): Promise<T> => contextApi.with(parentWith(0, 0), work);

  it('SQS SendMessage: one String `_datadog` attribute, no `x-datadog-*` attributes, read back as the producer span', async () => {
    const q = await queue();
    await under(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'dd', MessageAttributes: attributes(2) })));

    const producer = only(await producers());
    expect(producer.traceId).toBe(PARENT_TRACE);
    const [message] = await receive(q.url, 1);
    expect(Object.keys(message!.MessageAttributes!).sort()).toEqual(['_datadog', 'a0', 'a1', 'traceparent']);
    const attribute = message!.MessageAttributes!['_datadog']!;
    expect(attribute.DataType).toBe('String');
    expect(JSON.parse(attribute.StringValue!)).toEqual(datadogOf(producer));
    expectDatadogParented(sqsEvent([message!], q.name), producer, 1, 'messageAttributes');
  });

  it('SQS SendMessageBatch: every entry carries its own `_datadog`', async () => {
    const q = await queue();
    const Entries = [0, 1, 2].map((i) => ({ Id: `m${i}`, MessageBody: `dd ${i}`, ...(i === 1 ? { MessageAttributes: attributes(3) } : {}) }));
    await under(() => sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries })));

    const producer = only(await producers());
    const messages = await receive(q.url, 3);
    expect(messages).toHaveLength(3);
    for (const message of messages) {
      expect(message.MessageAttributes!['_datadog']!.DataType).toBe('String');
      expect(JSON.parse(message.MessageAttributes!['_datadog']!.StringValue!)).toEqual(datadogOf(producer));
    }
    expectDatadogParented(sqsEvent(messages, q.name), producer, 3, 'messageAttributes');
  });

  it('SQS with 9 attributes: traceparent is the 10th, `_datadog` is dropped and said so', async () => {
    const q = await queue();
    await under(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'nine', MessageAttributes: attributes(9) })));

    const producer = only(await producers());
    const [message] = await receive(q.url, 1);
    expect(Object.keys(message!.MessageAttributes!).sort()).toEqual([...Object.keys(attributes(9)), 'traceparent'].sort());
    expect(diagnostics).toEqual([expect.stringContaining('(dropped: _datadog)')]);
    expectParentedBy(extract(sqsEvent([message!], q.name), datadogFirst), producer, 1);
  });

  it('SQS with 8 attributes: `_datadog` goes before tracestate and baggage, which are dropped', async () => {
    const q = await queue();
    await contextApi.with(parentWith(20, 20), () => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'eight', MessageAttributes: attributes(8) })));

    const producer = only(await producers());
    const [message] = await receive(q.url, 1);
    expect(Object.keys(message!.MessageAttributes!).sort()).toEqual([...Object.keys(attributes(8)), '_datadog', 'traceparent'].sort());
    expect(diagnostics).toEqual([expect.stringContaining('(dropped: tracestate, baggage)')]);
    expectDatadogParented(sqsEvent([message!], q.name), producer, 1, 'messageAttributes');
  });

  it('SNS Publish: one Binary `_datadog`, read back with raw delivery on (an SQS Binary attribute) and off (in the notification)', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `dd${Date.now()}${++queues}` }));
    const wrapped = await queue();
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: wrapped.arn }));
    await under(() => sns.send(new PublishCommand({ TopicArn, Message: '{"order":7}', MessageAttributes: attributes(1) })));

    const producer = only(await producers());
    const sent = new URLSearchParams(moto.last('Publish')!.body.toString('utf8'));
    const published: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }> = {};
    for (let n = 1; sent.has(`MessageAttributes.entry.${n}.Name`); n++) {
      const at = `MessageAttributes.entry.${n}.Value.`;
      const binary = sent.get(`${at}BinaryValue`);
      published[sent.get(`MessageAttributes.entry.${n}.Name`)!] = {
        DataType: sent.get(`${at}DataType`)!,
        ...(binary === null ? { StringValue: sent.get(`${at}StringValue`)! } : { BinaryValue: new Uint8Array(Buffer.from(binary, 'base64')) }),
      };
    }
    expect(Object.keys(published).sort()).toEqual(['_datadog', 'a0', 'traceparent']);
    expect(published['_datadog']!.DataType).toBe('Binary');
    expect(JSON.parse(Buffer.from(published['_datadog']!.BinaryValue!).toString('utf8'))).toEqual(datadogOf(producer));

    // Raw delivery hands the queue the published attributes as they are. (moto cannot be read
    // back here: its ReceiveMessage fails on a Binary attribute SNS delivered, hashing it as text.)
    const rawMessage: Message = { MessageId: 'raw-1', Body: '{"order":7}', MessageAttributes: published };
    expectDatadogParented(sqsEvent([rawMessage], 'raw'), producer, 1, 'messageAttributes');

    const [notification] = await receive(wrapped.url, 1);
    const carried = JSON.parse(notification!.Body!).MessageAttributes._datadog;
    expect(carried.Type).toBe('Binary');
    expect(JSON.parse(Buffer.from(carried.Value, 'base64').toString('utf8'))).toEqual(datadogOf(producer));
    expectDatadogParented(sqsEvent([notification!], wrapped.name), producer, 1, 'body.MessageAttributes');
  });

  it('EventBridge, Kinesis, Step Functions: `_datadog` beside `_baton` in the JSON, read back as the producer span', async () => {
    const q = await queue();
    const bus = `ddbus${Date.now()}`;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const rule = `dd${Date.now()}r`;
    await events.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify({ source: ['shop.orders'] }) }));
    await events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'queue', Arn: q.arn }] }));
    const stream = `dds${Date.now()}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    for (let i = 0; i < 50; i++) {
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
      if (StreamDescription?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `dd${Date.now()}`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    receiver.reset();

    let executionArn: string | undefined;
    await under(async () => {
      await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop.orders', DetailType: 'placed', Detail: '{"order":8}', EventBusName: bus }] }));
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'p', Data: Buffer.from('{"order":9}') }));
      executionArn = (await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"order":10}' }))).executionArn;
    });
    const [put, record, start] = await producers();
    expect([put, record, start].map((span) => span?.name)).toEqual([`send ${bus}`, `send ${stream}`, `start ${stateMachineArn!.split(':').pop()}`]);

    const detail = JSON.parse(sentJson('PutEvents').Entries[0].Detail);
    expect(detail).toEqual({ order: 8, _baton: { traceparent: traceparentOf(put!) }, _datadog: datadogOf(put!) });
    const messages = await receive(q.url, 1);
    expectParentedBy(extract(sqsEvent(messages, q.name), datadogFirst), put!, 1);
    expect(extract(sqsEvent(messages, q.name), datadogOnly).records![0]!.found).toMatchObject({
      spanContext: { traceId: put!.traceId, spanId: put!.spanId },
      source: 'sqs.Records[0].body.detail._datadog.x-datadog-trace-id',
    });

    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: StreamDescription!.Shards![0]!.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    const data = Buffer.from(Records![0]!.Data!);
    expect(JSON.parse(data.toString('utf8'))).toEqual({ order: 9, _baton: { traceparent: traceparentOf(record!) }, _datadog: datadogOf(record!) });
    const kinesisEvent = {
      Records: [{ eventSource: 'aws:kinesis', eventSourceARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`, kinesis: { data: data.toString('base64'), sequenceNumber: Records![0]!.SequenceNumber, partitionKey: 'p' } }],
    };
    const fromKinesis = extract(kinesisEvent, datadogOnly).records![0]!.found;
    expect(fromKinesis).toMatchObject({ spanContext: { traceId: record!.traceId, spanId: record!.spanId }, source: 'kinesis.Records[0].kinesis.data._datadog.x-datadog-trace-id' });

    // Datadog's state machines pass `Execution.Input._datadog` on to their Lambda tasks.
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(input!)).toEqual({ order: 10, _baton: { traceparent: traceparentOf(start!) }, _datadog: datadogOf(start!) });
  });
});
