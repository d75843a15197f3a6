import { SpanKind } from '@opentelemetry/api';
import { ATTR_AWS_KINESIS_STREAM_NAME, ATTR_CLOUD_REGION } from '@opentelemetry/semantic-conventions/incubating';
import { isObject, lastSegment } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import { byteLength, envelopeIn } from './envelope.js';
import { entries, messageId, sendSpan } from './messaging.js';
import { failedEntries } from './sdk.js';
import type { CommandSpec, SdkService } from './sdk.js';

/**
 * Amazon Kinesis Data Streams `PutRecord` and every record of `PutRecords`: the `_baton`
 * envelope in `Data` when it is UTF-8 JSON of an object (bytes in, bytes of the same type
 * out), within 1 MiB per record counting the partition key, and 5 MiB per PutRecords request
 * (PutRecords API reference). Binary or non-object data is sent unchanged. Read back in
 * src/triggers/kinesis.ts.
 */

export const RECORD_MAX_BYTES = 1_048_576;
export const PUT_RECORDS_MAX_BYTES = 5 * 1_048_576;

function streamName(input: Json): string | undefined {
  const name = input['StreamName'];
  return typeof name === 'string' && name !== '' ? name : lastSegment(input['StreamARN'], '/');
}

function streamSpan(input: Json, count: number): ReturnType<typeof sendSpan> {
  const stream = streamName(input);
  return sendSpan('aws.kinesis', 'send', stream, count, stream === undefined ? {} : { [ATTR_AWS_KINESIS_STREAM_NAME]: stream });
}

const recordSize = (record: Json): number => byteLength(record['Data']) + byteLength(record['PartitionKey']);

/** One record with the envelope in its data, within `room` more bytes; the caller's object is not changed. */
function withContext(record: Json, fields: Record<string, string>, room: number): { record: Json; added: number } {
  const data = record['Data'];
  const limit = byteLength(data) + Math.min(room, RECORD_MAX_BYTES - recordSize(record));
  const written = envelopeIn('kinesis', 'a Kinesis record\'s Data', data, fields, limit);
  return written === undefined ? { record, added: 0 } : { record: { ...record, Data: written.payload }, added: written.added };
}

const putRecord: CommandSpec = {
  span: (input) => streamSpan(input, 1),
  inject: (input, send) => withContext(input, send.fields(), RECORD_MAX_BYTES).record,
  end: (span, output) => messageId(span, output['SequenceNumber']),
};

const putRecords: CommandSpec = {
  span: (input) => streamSpan(input, entries(input['Records']).length),
  inject: (input, send) => {
    const list = entries(input['Records']);
    if (list.length === 0) return input;
    const fields = send.fields();
    let room = PUT_RECORDS_MAX_BYTES - list.reduce<number>((sum, r) => sum + (isObject(r) ? recordSize(r) : 0), 0);
    return {
      ...input,
      Records: list.map((entry): unknown => {
        if (!isObject(entry) || room <= 0) return entry;
        const { record, added } = withContext(entry, fields, room);
        room -= added;
        return record;
      }),
    };
  },
  end: (span, output) => {
    const failed = typeof output['FailedRecordCount'] === 'number' ? output['FailedRecordCount'] : 0;
    const total = entries(output['Records']).length;
    failedEntries(span, failed, total === 0 ? undefined : total);
  },
};

export const kinesis: SdkService = {
  serviceId: 'Kinesis',
  clientName: 'KinesisClient',
  label: 'Kinesis',
  kind: SpanKind.PRODUCER,
  regionAttribute: ATTR_CLOUD_REGION,
  commands: { PutRecord: putRecord, PutRecords: putRecords },
};
