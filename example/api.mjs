import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda } from './clients.mjs';

/** GET /orders/{id}: reserve stock (synchronously), then notify (asynchronously). */
export const handler = async (event) => {
  const order = { orderId: event.pathParameters?.id ?? 'unknown', quantity: 1 };
  const reserved = await lambda.send(
    new InvokeCommand({ FunctionName: process.env.RESERVE_FUNCTION, Payload: JSON.stringify(order) }),
  );
  const reservation = JSON.parse(Buffer.from(reserved.Payload ?? []).toString() || '{}');
  await lambda.send(
    new InvokeCommand({ FunctionName: process.env.NOTIFY_FUNCTION, InvocationType: 'Event', Payload: JSON.stringify({ ...order, reservation }) }),
  );
  return { statusCode: 202, body: JSON.stringify({ accepted: order.orderId, reservation }) };
};
