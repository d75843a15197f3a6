import { SpanKind } from '@opentelemetry/api';
import type { S3Event } from 'aws-lambda';
import { documentAttributes } from './datasource.js';
import { field, functionName, records, text } from './shape.js';
import { defineTrigger } from './types.js';

/** `ObjectCreated:Put` → insert, `ObjectRemoved:Delete` → delete, the rest (restores, tags, ACLs) → edit. */
function operation(eventName: string | undefined): 'insert' | 'edit' | 'delete' | undefined {
  if (eventName === undefined) return undefined;
  if (eventName.startsWith('ObjectCreated')) return 'insert';
  if (eventName.startsWith('ObjectRemoved')) return 'delete';
  return 'edit';
}

/** Amazon S3 notifications: `Records[].eventSource === "aws:s3"`. No standard trace carrier. */
export const s3 = defineTrigger<S3Event>({
  name: 's3',
  faasTrigger: 'datasource',
  kind: SpanKind.SERVER,
  matches: (event) => field(records(event)[0], 'eventSource') === 'aws:s3',
  spanName: (_event, context) => functionName(context),
  attributes: (event) => {
    const first = records(event)[0];
    const s3 = field(first, 's3');
    const key = text(field(field(s3, 'object'), 'key'));
    return documentAttributes({
      collection: text(field(field(s3, 'bucket'), 'name')),
      // S3 delivers keys URL-encoded with '+' for spaces.
      name: key === undefined ? undefined : safeDecode(key.replace(/\+/g, ' ')),
      operation: operation(text(field(first, 'eventName'))),
      time: text(field(first, 'eventTime')),
    });
  },
});

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
