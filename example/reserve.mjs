/** Invoked synchronously: its span's parent is api's CLIENT span, through ClientContext. */
export const handler = async (order) => ({ orderId: order.orderId, reserved: true, warehouse: 'eu-1' });
