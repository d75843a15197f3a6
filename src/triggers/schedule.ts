import { SpanKind } from '@opentelemetry/api';
import type { ScheduledEvent } from 'aws-lambda';
import { field, functionName } from './shape.js';
import { defineTrigger } from './types.js';

/** An EventBridge schedule rule: `source: "aws.events"`, `detail-type: "Scheduled Event"`. A timer. */
export const schedule = defineTrigger<ScheduledEvent>({
  name: 'schedule',
  faasTrigger: 'timer',
  kind: SpanKind.SERVER,
  matches: (event) => field(event, 'source') === 'aws.events' && field(event, 'detail-type') === 'Scheduled Event',
  spanName: (_event, context) => functionName(context),
  // The event carries neither the rule's cron expression (`faas.cron`) nor anything else standard.
  attributes: () => ({}),
});
