import { SpanKind } from '@opentelemetry/api';
import type { SQSEvent } from 'aws-lambda';
import { snsAttributeGetter, sqsAttributeGetter, xrayFieldGetter } from '../propagation/getters.js';
import { datadogObjectCarrier, snsDatadogCarrier, sqsDatadogCarrier } from './datadog-carrier.js';
import { envelopeCarrier } from './envelope.js';
import { messageAttributes, processAttributes, processSpanName } from './messaging.js';
import { arnName, field, isObject, parseObject, records, text } from './shape.js';
import { defineTrigger } from './types.js';
import type { BatchRecord, Carrier } from './types.js';

const awsTraceHeader = xrayFieldGetter('AWSTraceHeader');

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}

/**
 * Only an SNS notification or an EventBridge event in the body can carry a context. Most
 * bodies are neither, and can be up to 256 KB: a substring search is far cheaper than a parse.
 */
function mayCarryContext(body: unknown): boolean {
  return typeof body === 'string' && (body.includes('"Notification"') || body.includes('"detail-type"'));
}

/**
 * One SQS record's carriers, in preference order (design.md sections 1 and 4):
 * our message attributes and Datadog's `_datadog` attribute; then a context inside the body, when the body is an SNS
 * notification (raw delivery off) or an EventBridge event; then `AWSTraceHeader`, which
 * usually names the sending Lambda's X-Ray segment rather than the producer span.
 */
function* recordCarriers(record: unknown, index: number): Iterable<Carrier> {
  const at = `sqs.Records[${index}]`;
  const attributes = field(record, 'messageAttributes');
  if (isObject(attributes) && hasKeys(attributes)) {
    yield { path: `${at}.messageAttributes`, carrier: attributes, getter: sqsAttributeGetter };
    const datadog = sqsDatadogCarrier(attributes, `${at}.messageAttributes`);
    if (datadog !== undefined) yield datadog;
  }
  const rawBody = field(record, 'body');
  const body = mayCarryContext(rawBody) ? parseObject(rawBody) : undefined;
  if (body !== undefined) {
    const notification = field(body, 'MessageAttributes');
    if (field(body, 'Type') === 'Notification' && isObject(notification)) {
      yield { path: `${at}.body.MessageAttributes`, carrier: notification, getter: snsAttributeGetter };
      const datadog = snsDatadogCarrier(notification, `${at}.body.MessageAttributes`);
      if (datadog !== undefined) yield datadog;
    } else if (typeof field(body, 'detail-type') === 'string') {
      const envelope = envelopeCarrier(field(body, 'detail'), `${at}.body.detail`);
      if (envelope !== undefined) yield envelope;
      const datadog = datadogObjectCarrier(field(body, 'detail'), `${at}.body.detail`);
      if (datadog !== undefined) yield datadog;
    }
  }
  const system = field(record, 'attributes');
  if (isObject(system)) yield { path: `${at}.attributes`, carrier: system, getter: awsTraceHeader };
}

/** An SQS message is identified by its `messageId`. */
const recordId = (record: unknown): string | undefined => text(field(record, 'messageId'));

/** Amazon SQS: `Records[].eventSource === "aws:sqs"`. One context per record. */
export const sqs = defineTrigger<SQSEvent>({
  name: 'sqs',
  faasTrigger: 'pubsub',
  kind: SpanKind.CONSUMER,
  matches: (event) => field(records(event)[0], 'eventSource') === 'aws:sqs',
  records: (event) =>
    records(event).map(
      (record, index): BatchRecord => {
        const id = recordId(record);
        return { carriers: () => recordCarriers(record, index), attributes: messageAttributes(id), id };
      },
    ),
  recordId,
  spanName: (event) => processSpanName(arnName(field(records(event)[0], 'eventSourceARN'))),
  attributes: (event) => {
    const list = records(event);
    return processAttributes(
      'aws_sqs',
      arnName(field(list[0], 'eventSourceARN')),
      list.length,
      text(field(list[0], 'messageId')),
    );
  },
});
