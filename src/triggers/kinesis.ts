import { SpanKind } from '@opentelemetry/api';
import type { KinesisStreamEvent } from 'aws-lambda';
import { ATTR_AWS_KINESIS_STREAM_NAME } from '@opentelemetry/semantic-conventions/incubating';
import { decodeBase64Text } from '../propagation/getters.js';
import { datadogObjectCarrier } from './datadog-carrier.js';
import { envelopeCarrier } from './envelope.js';
import { messageAttributes, processAttributes, processSpanName } from './messaging.js';
import { field, parseObject, records, text } from './shape.js';
import { defineTrigger } from './types.js';
import type { BatchRecord, Carrier } from './types.js';

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` */
function streamName(event: unknown): string | undefined {
  const arn = text(field(records(event)[0], 'eventSourceARN'));
  const at = arn?.indexOf(':stream/') ?? -1;
  return arn !== undefined && at !== -1 ? arn.slice(at + ':stream/'.length) || undefined : undefined;
}

/** The envelope (or Datadog's `_datadog`) inside the record's base64 JSON data; data that is not JSON carries no context. */
function* recordCarriers(record: unknown, index: number): Iterable<Carrier> {
  const data = text(field(field(record, 'kinesis'), 'data'));
  const payload = data === undefined ? undefined : parseObject(decodeBase64Text(data));
  const path = `kinesis.Records[${index}].kinesis.data`;
  const envelope = envelopeCarrier(payload, path);
  if (envelope !== undefined) yield envelope;
  const datadog = datadogObjectCarrier(payload, path);
  if (datadog !== undefined) yield datadog;
}

/**
 * A Kinesis record is identified by its sequence number, unique within its shard; "each batch
 * contains records from only a single shard or stream" (Lambda developer guide, "Process
 * Amazon Kinesis Data Streams records with Lambda"). A copy without `kinesis` still has it at
 * the end of `eventID` (`<shard id>:<sequence number>`).
 */
function recordId(record: unknown): string | undefined {
  const sequenceNumber = text(field(field(record, 'kinesis'), 'sequenceNumber'));
  if (sequenceNumber !== undefined) return sequenceNumber;
  const eventId = text(field(record, 'eventID'));
  const at = eventId?.lastIndexOf(':') ?? -1;
  return eventId === undefined || at === -1 ? undefined : eventId.slice(at + 1) || undefined;
}

/** Amazon Kinesis Data Streams: `Records[].eventSource === "aws:kinesis"`. */
export const kinesis = defineTrigger<KinesisStreamEvent>({
  name: 'kinesis',
  faasTrigger: 'pubsub',
  kind: SpanKind.CONSUMER,
  matches: (event) => field(records(event)[0], 'eventSource') === 'aws:kinesis',
  records: (event) =>
    records(event).map(
      (record, index): BatchRecord => ({
        carriers: () => recordCarriers(record, index),
        attributes: messageAttributes(text(field(field(record, 'kinesis'), 'sequenceNumber'))),
        id: recordId(record),
      }),
    ),
  recordId,
  spanName: (event) => processSpanName(streamName(event)),
  attributes: (event) => {
    const list = records(event);
    const stream = streamName(event);
    const attributes = processAttributes(undefined, stream, list.length, text(field(field(list[0], 'kinesis'), 'sequenceNumber')));
    if (stream !== undefined) attributes[ATTR_AWS_KINESIS_STREAM_NAME] = stream;
    return attributes;
  },
});
