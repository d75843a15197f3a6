import { SpanKind } from '@opentelemetry/api';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { documentAttributes } from './datasource.js';
import { field, functionName, isoTimeFromSeconds, records, text } from './shape.js';
import { defineTrigger } from './types.js';

const OPERATIONS = { INSERT: 'insert', MODIFY: 'edit', REMOVE: 'delete' } as const;

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` */
function tableName(arn: string | undefined): string | undefined {
  const match = arn === undefined ? null : /:table\/([^/]+)/.exec(arn);
  return match?.[1];
}

/** DynamoDB Streams: `Records[].eventSource === "aws:dynamodb"`. No standard trace carrier. */
export const dynamodb = defineTrigger<DynamoDBStreamEvent>({
  name: 'dynamodb',
  faasTrigger: 'datasource',
  kind: SpanKind.SERVER,
  matches: (event) => field(records(event)[0], 'eventSource') === 'aws:dynamodb',
  spanName: (_event, context) => functionName(context),
  attributes: (event) => {
    const first = records(event)[0];
    const name = text(field(first, 'eventName'));
    return documentAttributes({
      collection: tableName(text(field(first, 'eventSourceARN'))),
      operation: name !== undefined && Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name as keyof typeof OPERATIONS] : undefined,
      // Epoch seconds (DynamoDB Streams API reference, StreamRecord); out of a Date's range, left out.
      time: isoTimeFromSeconds(field(field(first, 'dynamodb'), 'ApproximateCreationDateTime')),
    });
  },
});
