import { SpanKind } from '@opentelemetry/api';
import type { SNSEvent } from 'aws-lambda';
import { ATTR_AWS_SNS_TOPIC_ARN } from '@opentelemetry/semantic-conventions/incubating';
import { snsAttributeGetter } from '../propagation/getters.js';
import { snsDatadogCarrier } from './datadog-carrier.js';
import { messageAttributes, processAttributes, processSpanName } from './messaging.js';
import { arnName, field, isObject, records, text } from './shape.js';
import { defineTrigger } from './types.js';
import type { BatchRecord } from './types.js';

const topicArn = (event: unknown): string | undefined => text(field(field(records(event)[0], 'Sns'), 'TopicArn'));

/** An SNS notification is identified by its `Sns.MessageId`. */
const recordId = (record: unknown): string | undefined => text(field(field(record, 'Sns'), 'MessageId'));

/** Amazon SNS: `Records[].EventSource === "aws:sns"`; context in `Sns.MessageAttributes` (String or Binary). */
export const sns = defineTrigger<SNSEvent>({
  name: 'sns',
  faasTrigger: 'pubsub',
  kind: SpanKind.CONSUMER,
  matches: (event) => field(records(event)[0], 'EventSource') === 'aws:sns',
  records: (event) =>
    records(event).map((record, index): BatchRecord => {
      const attributes = field(field(record, 'Sns'), 'MessageAttributes');
      const id = recordId(record);
      return {
        carriers: function* () {
          if (!isObject(attributes)) return;
          const path = `sns.Records[${index}].Sns.MessageAttributes`;
          yield { path, carrier: attributes, getter: snsAttributeGetter };
          // Datadog's producers write one `_datadog` attribute (Binary since it interfered with filter policies as a String).
          const datadog = snsDatadogCarrier(attributes, path);
          if (datadog !== undefined) yield datadog;
        },
        attributes: messageAttributes(id),
        id,
      };
    }),
  recordId,
  spanName: (event) => processSpanName(arnName(topicArn(event))),
  attributes: (event) => {
    const list = records(event);
    const arn = topicArn(event);
    const attributes = processAttributes('aws.sns', arnName(arn), list.length, text(field(field(list[0], 'Sns'), 'MessageId')));
    if (arn !== undefined) attributes[ATTR_AWS_SNS_TOPIC_ARN] = arn;
    return attributes;
  },
});
