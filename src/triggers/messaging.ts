import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';

/**
 * Attributes of a `process` span over a batch (messaging semantic conventions):
 * `messaging.batch.message_count` only for batches, `messaging.message.id` only for one message.
 */
export function processAttributes(
  system: string | undefined,
  destination: string | undefined,
  count: number,
  onlyMessageId: string | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
    [ATTR_MESSAGING_OPERATION_NAME]: 'process',
  };
  if (system !== undefined) attributes[ATTR_MESSAGING_SYSTEM] = system;
  if (destination !== undefined) attributes[ATTR_MESSAGING_DESTINATION_NAME] = destination;
  if (count > 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = count;
  else if (count === 1 && onlyMessageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = onlyMessageId;
  return attributes;
}

/** The link attributes of one record. */
export function messageAttributes(id: string | undefined): Attributes {
  return id === undefined ? {} : { [ATTR_MESSAGING_MESSAGE_ID]: id };
}

/** `process <destination>`, or `process` when the destination is unknown. */
export function processSpanName(destination: string | undefined): string {
  return destination === undefined ? 'process' : `process ${destination}`;
}

/**
 * The span of one record's work (`withRecord`): `process <destination> message`. The
 * messaging conventions name both the batch's and a message's processing span
 * `{operation name} {destination}`; the suffix tells the two apart in a trace view, and the
 * record span carries `messaging.message.id` where the batch span has the message count.
 */
export function recordSpanName(batchSpanName: string): string {
  return `${batchSpanName} message`;
}
