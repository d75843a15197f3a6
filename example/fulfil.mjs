import { trace } from '@opentelemetry/api';
import { withRecord } from 'lambda-baton';

/** The order in an SQS message: sent directly, as an SNS notification, or as an EventBridge event. */
function orderOf(body) {
  const message = JSON.parse(body);
  if (message.Type === 'Notification') return JSON.parse(message.Message);
  if (typeof message['detail-type'] === 'string') return message.detail;
  return message;
}

/** SQS consumer: each record is processed in its own producer's trace. */
export const handler = async (event) => {
  for (const record of event.Records) {
    await withRecord(record, async () => {
      const order = orderOf(record.body);
      trace.getActiveSpan()?.setAttribute('order.id', order.orderId);
      await new Promise((resolve) => setTimeout(resolve, 5)); // pick and pack
    });
  }
  return { batchItemFailures: [] };
};
