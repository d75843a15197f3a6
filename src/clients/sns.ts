import { SpanKind } from '@opentelemetry/api';
import { ATTR_AWS_SNS_TOPIC_ARN, ATTR_CLOUD_REGION, MESSAGING_SYSTEM_VALUE_AWS_SNS } from '@opentelemetry/semantic-conventions/incubating';
import { diagnose } from '../diagnostics.js';
import { arnName } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import { attributeFields, eachEntryWithRoom, withAttributes } from './message-attributes.js';
import type { AttributeField, EntryRoom } from './message-attributes.js';
import { entries, messageId, sendSpan } from './messaging.js';
import { failedEntries } from './sdk.js';
import type { CommandSpec, SdkService } from './sdk.js';

/**
 * Amazon SNS `Publish` and every entry of `PublishBatch`: the context in String message
 * attributes (Datadog's, when named, as one Binary `_datadog`: a String one interferes with
 * subscription filter policies), in priority order within the room left (see
 * message-attributes.ts). SNS has no
 * free channel like SQS's AWSTraceHeader: when not even `traceparent` fits, the message is
 * sent unchanged. Subscribers receive the attributes: an SQS queue with raw delivery as
 * message attributes, otherwise inside the notification's `MessageAttributes`; a Lambda
 * subscriber in `Sns.MessageAttributes`. Read back in src/triggers/sns.ts and sqs.ts.
 */

function topicName(input: Json): string | undefined {
  return arnName(input['TopicArn'] ?? input['TargetArn']);
}

function withContext(message: Json, fields: readonly AttributeField[], entry?: EntryRoom): Json {
  if (fields.length === 0) return message;
  const result = withAttributes(message['MessageAttributes'], message['Message'], fields, entry);
  switch (result.kind) {
    case 'caller-set':
      return message;
    case 'no-room':
      diagnose('sns:no-room', 'an SNS message has no room for a traceparent attribute within 10 attributes and 262,144 bytes; it is sent unchanged and carries no trace context');
      return message;
    case 'written':
      if (result.shed.length > 0) {
        diagnose('sns:attributes-shed', `an SNS message had no room for all trace context attributes within 10 attributes and 262,144 bytes (dropped: ${result.shed.join(', ')})`);
      }
      return { ...message, MessageAttributes: result.attributes };
  }
}

function arnAttribute(input: Json): Record<string, string> {
  const arn = input['TopicArn'];
  return typeof arn === 'string' ? { [ATTR_AWS_SNS_TOPIC_ARN]: arn } : {};
}

const publish: CommandSpec = {
  span: (input) => sendSpan(MESSAGING_SYSTEM_VALUE_AWS_SNS, 'publish', topicName(input), 1, arnAttribute(input)),
  inject: (input, send) => withContext(input, attributeFields(send.fields(), 'Binary')),
  end: (span, output) => messageId(span, output['MessageId']),
};

const publishBatch: CommandSpec = {
  span: (input) => sendSpan(MESSAGING_SYSTEM_VALUE_AWS_SNS, 'publish', topicName(input), entries(input['PublishBatchRequestEntries']).length, arnAttribute(input)),
  inject: (input, send) => {
    const list = entries(input['PublishBatchRequestEntries']);
    if (list.length === 0) return input;
    const fields = attributeFields(send.fields(), 'Binary');
    // "The total aggregate size of all messages in a single PublishBatch request can't exceed 262,144 bytes" (PublishBatch API reference).
    return { ...input, PublishBatchRequestEntries: eachEntryWithRoom(list, 'Message', (entry, room) => withContext(entry, fields, room)) };
  },
  end: (span, output) => {
    const failed = entries(output['Failed']).length;
    failedEntries(span, failed, failed + entries(output['Successful']).length);
  },
};

export const sns: SdkService = {
  serviceId: 'SNS',
  clientName: 'SNSClient',
  label: 'SNS',
  kind: SpanKind.PRODUCER,
  regionAttribute: ATTR_CLOUD_REGION,
  commands: { Publish: publish, PublishBatch: publishBatch },
};
