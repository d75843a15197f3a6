import { SpanKind } from '@opentelemetry/api';
import { ATTR_AWS_SQS_QUEUE_URL, ATTR_CLOUD_REGION, MESSAGING_SYSTEM_VALUE_AWS_SQS } from '@opentelemetry/semantic-conventions/incubating';
import { diagnose } from '../diagnostics.js';
import { isObject, lastSegment } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import { attributeFields, eachEntryWithRoom, withAttributes } from './message-attributes.js';
import type { AttributeField, EntryRoom } from './message-attributes.js';
import { entries, messageId, sendSpan } from './messaging.js';
import { failedEntries } from './sdk.js';
import type { CommandSpec, SdkService, SendContext } from './sdk.js';

/**
 * Amazon SQS `SendMessage` and every entry of `SendMessageBatch`: the context in message
 * attributes (Datadog's, when named, as one String `_datadog`), in priority order within the
 * room left (see message-attributes.ts). When not
 * even `traceparent` fits, in the `AWSTraceHeader` message system attribute instead, which
 * counts against neither limit (AWS X-Ray Developer Guide, "Amazon SQS and AWS X-Ray"); the
 * consumer reads it as `attributes.AWSTraceHeader`. Read back in src/triggers/sqs.ts.
 */

const AWS_TRACE_HEADER = 'AWSTraceHeader';

function queueName(url: unknown): string | undefined {
  return lastSegment(url, '/');
}

/** One message with the context written into it; the caller's object is not changed. */
function withContext(message: Json, send: SendContext, fields: readonly AttributeField[], entry?: EntryRoom): Json {
  if (fields.length === 0) return message;
  const result = withAttributes(message['MessageAttributes'], message['MessageBody'], fields, entry);
  if (result.kind === 'caller-set') return message;
  if (result.kind === 'written') {
    if (result.shed.length > 0) {
      diagnose('sqs:attributes-shed', `an SQS message had no room for all trace context attributes within 10 attributes and 262,144 bytes (dropped: ${result.shed.join(', ')})`);
    }
    return { ...message, MessageAttributes: result.attributes };
  }
  const system = message['MessageSystemAttributes'];
  if (isObject(system) && system[AWS_TRACE_HEADER] !== undefined) {
    diagnose('sqs:no-room', 'an SQS message has no room for a trace context attribute, and its caller set AWSTraceHeader; it is sent unchanged');
    return message;
  }
  const header = send.xrayHeader();
  if (header === undefined) return message;
  diagnose('sqs:aws-trace-header', 'an SQS message has no room for a traceparent attribute within 10 attributes and 262,144 bytes; its trace context is sent in the AWSTraceHeader system attribute instead');
  return {
    ...message,
    MessageSystemAttributes: { ...(isObject(system) ? system : {}), [AWS_TRACE_HEADER]: { DataType: 'String', StringValue: header } },
  };
}

const sendMessage: CommandSpec = {
  span: (input) => sendSpan(MESSAGING_SYSTEM_VALUE_AWS_SQS, 'send', queueName(input['QueueUrl']), 1, urlAttribute(input)),
  inject: (input, send) => withContext(input, send, attributeFields(send.fields(), 'String')),
  end: (span, output) => messageId(span, output['MessageId']),
};

const sendMessageBatch: CommandSpec = {
  span: (input) => sendSpan(MESSAGING_SYSTEM_VALUE_AWS_SQS, 'send', queueName(input['QueueUrl']), entries(input['Entries']).length, urlAttribute(input)),
  inject: (input, send) => {
    const list = entries(input['Entries']);
    if (list.length === 0) return input;
    const fields = attributeFields(send.fields(), 'String');
    // The batch's total is limited like one message's size (SendMessageBatch API reference).
    return { ...input, Entries: eachEntryWithRoom(list, 'MessageBody', (entry, room) => withContext(entry, send, fields, room)) };
  },
  end: (span, output) => {
    const failed = entries(output['Failed']).length;
    failedEntries(span, failed, failed + entries(output['Successful']).length);
  },
};

function urlAttribute(input: Json): Record<string, string> {
  const url = input['QueueUrl'];
  return typeof url === 'string' ? { [ATTR_AWS_SQS_QUEUE_URL]: url } : {};
}

export const sqs: SdkService = {
  serviceId: 'SQS',
  clientName: 'SQSClient',
  label: 'SQS',
  kind: SpanKind.PRODUCER,
  regionAttribute: ATTR_CLOUD_REGION,
  commands: { SendMessage: sendMessage, SendMessageBatch: sendMessageBatch },
};
