import { trace } from '@opentelemetry/api';
import { withRecord } from 'lambda-baton';

/** SQS consumer: each record is processed in its own producer's trace. */
export const handler = async (event) => {
  for (const record of event.Records) {
    await withRecord(record, async () => {
      const order = JSON.parse(record.body);
      trace.getActiveSpan()?.setAttribute('order.id', order.orderId);
      await new Promise((resolve) => setTimeout(resolve, 5)); // pick and pack
    });
  }
  return { batchItemFailures: [] };
};
