import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { context, propagation } from '@opentelemetry/api';
import { sqs } from './clients.mjs';

/**
 * Invoked asynchronously: the trace arrives in the payload envelope, which is removed before
 * this handler sees the event. It passes the trace on through an SQS message attribute, the
 * convention any producer can follow (README, "Propagation conventions").
 */
export const handler = async (order) => {
  const MessageAttributes = {};
  propagation.inject(context.active(), MessageAttributes, {
    set: (carrier, key, value) => {
      carrier[key] = { DataType: 'String', StringValue: value };
    },
  });
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(order), MessageAttributes }));
  return { queued: order.orderId };
};
