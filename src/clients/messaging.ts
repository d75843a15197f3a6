import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
} from '@opentelemetry/semantic-conventions/incubating';
import type { Span } from '@opentelemetry/api';

/**
 * A PRODUCER span's name and attributes (OpenTelemetry messaging semantic conventions):
 * `{operation} {destination}`, `messaging.operation.type` `send`, and
 * `messaging.batch.message_count` only when more than one message is sent.
 */
export function sendSpan(
  system: string,
  operation: string,
  destination: string | undefined,
  count: number,
  extra: Attributes = {},
): { name: string; attributes: Attributes } {
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: system,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    ...extra,
  };
  if (destination !== undefined) attributes[ATTR_MESSAGING_DESTINATION_NAME] = destination;
  if (count > 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = count;
  return { name: destination === undefined ? operation : `${operation} ${destination}`, attributes };
}

/** `messaging.message.id` from a response field, when the service returned one. */
export function messageId(span: Span, id: unknown): void {
  if (typeof id === 'string' && id !== '') span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, id);
}

/** The entries of a batch input, or none. */
export function entries(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
