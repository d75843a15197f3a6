import { SpanKind } from '@opentelemetry/api';
import { ATTR_CLOUD_REGION } from '@opentelemetry/semantic-conventions/incubating';
import { isObject, lastSegment } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import { byteLength, envelopeIn } from './envelope.js';
import { entries, messageId, sendSpan } from './messaging.js';
import { failedEntries } from './sdk.js';
import type { CommandSpec, SdkService } from './sdk.js';

/**
 * Amazon EventBridge `PutEvents`: the `_baton` envelope inside each entry's `Detail` when it is
 * a JSON object, within the request's 262,144 bytes. AWS delivers no trace header to targets,
 * so the event itself carries the context; read back in src/triggers/eventbridge.ts (and
 * sqs.ts, for an SQS target).
 */

/** PutEvents API reference: "The total entry size must be less than 256KB". */
export const PUT_EVENTS_MAX_BYTES = 262_144;

/**
 * An entry's size as EventBridge counts it (EventBridge User Guide, "Calculating PutEvents
 * event entry size"): 14 bytes for a Time, then the UTF-8 bytes of Source, DetailType, Detail
 * and each Resource.
 */
export function entrySize(entry: unknown): number {
  if (!isObject(entry)) return 0;
  let size = entry['Time'] !== undefined && entry['Time'] !== null ? 14 : 0;
  size += byteLength(entry['Source']) + byteLength(entry['DetailType']) + byteLength(entry['Detail']);
  const resources = entry['Resources'];
  if (Array.isArray(resources)) for (const resource of resources) size += byteLength(resource);
  return size;
}

/** The bus the entries go to, when they all name the same one; `default` when none does. */
function busName(list: readonly unknown[]): string | undefined {
  const names = new Set(list.map((e) => lastSegment(isObject(e) ? (e['EventBusName'] ?? 'default') : 'default', '/')));
  return names.size === 1 ? [...names][0] : undefined;
}

const putEvents: CommandSpec = {
  span: (input) => {
    const list = entries(input['Entries']);
    return sendSpan('aws.eventbridge', 'send', busName(list), list.length);
  },
  inject: (input, send) => {
    const list = entries(input['Entries']);
    if (list.length === 0) return input;
    const fields = send.fields();
    let room = PUT_EVENTS_MAX_BYTES - list.reduce<number>((sum, e) => sum + entrySize(e), 0);
    return {
      ...input,
      Entries: list.map((entry): unknown => {
        if (!isObject(entry) || room <= 0) return entry;
        const detail = entry['Detail'];
        const written = envelopeIn('eventbridge', 'an EventBridge entry\'s Detail', detail, fields, byteLength(detail) + room);
        if (written === undefined) return entry;
        room -= written.added;
        return { ...entry, Detail: written.payload } satisfies Json;
      }),
    };
  },
  end: (span, output) => {
    const list = entries(output['Entries']);
    if (list.length === 1 && isObject(list[0])) messageId(span, list[0]['EventId']);
    const failed = typeof output['FailedEntryCount'] === 'number' ? output['FailedEntryCount'] : 0;
    failedEntries(span, failed, list.length === 0 ? undefined : list.length);
  },
};

export const eventbridge: SdkService = {
  serviceId: 'EventBridge',
  clientName: 'EventBridgeClient',
  label: 'EventBridge',
  kind: SpanKind.PRODUCER,
  regionAttribute: ATTR_CLOUD_REGION,
  commands: { PutEvents: putEvents },
};
