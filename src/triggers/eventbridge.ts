import { SpanKind } from '@opentelemetry/api';
import type { EventBridgeEvent } from 'aws-lambda';
import { messageAttributes, processAttributes } from './messaging.js';
import { datadogObjectCarrier } from './datadog-carrier.js';
import { envelopeCarrier, removeEnvelope } from './envelope.js';
import { field, functionName, text } from './shape.js';
import { defineTrigger } from './types.js';
import type { Carrier } from './types.js';

/** An EventBridge event: top-level `detail-type`, `source` and `detail`. */
export function isEventBridgeEvent(event: unknown): boolean {
  return typeof field(event, 'detail-type') === 'string' && typeof field(event, 'source') === 'string' && field(event, 'detail') !== undefined;
}

/**
 * Amazon EventBridge. AWS does not deliver a trace header to targets, so producers put the
 * context in the event itself: `detail._baton` (see README, "Propagation conventions").
 */
export const eventbridge = defineTrigger<EventBridgeEvent<string, unknown>>({
  name: 'eventbridge',
  faasTrigger: 'pubsub',
  kind: SpanKind.CONSUMER,
  matches: isEventBridgeEvent,
  carriers: (event) =>
    [envelopeCarrier(event.detail, 'eventbridge.detail'), datadogObjectCarrier(event.detail, 'eventbridge.detail')].filter(
      (c): c is Carrier => c !== undefined,
    ),
  spanName: (_event, context) => functionName(context),
  attributes: (event) => ({
    ...processAttributes(undefined, undefined, 1, undefined),
    ...messageAttributes(text(field(event, 'id'))),
  }),
  strip: (event) => removeEnvelope(field(event, 'detail')),
});
