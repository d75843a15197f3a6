import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { events, sns, sqs } from './clients.mjs';

/**
 * Invoked asynchronously: the trace arrives in the payload envelope, which is removed before
 * this handler sees the event. It hands the order to fulfil three ways — straight onto the
 * queue, through an SNS topic the queue subscribes to, and as an EventBridge event a rule sends
 * to the queue — and the instrumented clients carry the trace on each (README, "Propagation
 * conventions"): no code here is about tracing.
 */
export const handler = async (order) => {
  const body = JSON.stringify(order);
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: body }));
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: body }));
  await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop.orders', DetailType: 'order placed', Detail: body }] }));
  return { queued: order.orderId };
};
