import { SpanKind } from '@opentelemetry/api';
import { ATTR_AWS_STEP_FUNCTIONS_STATE_MACHINE_ARN } from '@opentelemetry/semantic-conventions/incubating';
import { envelopeCarrier, removeEnvelope } from './envelope.js';
import { field, functionName, isObject, text } from './shape.js';
import type { Json } from './shape.js';
import { defineTrigger } from './types.js';

/** The Step Functions context object (`$$`): `Execution.Id`, `State.Name`, `StateMachine.Id`. */
function isContextObject(value: unknown): boolean {
  return (
    typeof field(field(value, 'Execution'), 'Id') === 'string' &&
    isObject(field(value, 'State')) &&
    typeof field(field(value, 'StateMachine'), 'Id') === 'string'
  );
}

/** The context object: the whole payload (`"Payload.$": "$$"`) or one of its top-level values. */
function contextObject(event: unknown): Json | undefined {
  if (!isObject(event)) return undefined;
  if (isContextObject(event)) return event;
  for (const value of Object.values(event)) if (isContextObject(value)) return value as Json;
  return undefined;
}

/** A Lambda task of a Step Functions state machine whose payload includes the context object. */
export const stepfunctions = defineTrigger<Json>({
  name: 'stepfunctions',
  faasTrigger: 'other',
  kind: SpanKind.SERVER,
  matches: (event) => contextObject(event) !== undefined,
  carriers: (event) => {
    const envelope = envelopeCarrier(event, 'stepfunctions');
    return envelope === undefined ? [] : [envelope];
  },
  spanName: (_event, context) => functionName(context),
  attributes: (event) => {
    const arn = text(field(field(contextObject(event), 'StateMachine'), 'Id'));
    return arn === undefined ? {} : { [ATTR_AWS_STEP_FUNCTIONS_STATE_MACHINE_ARN]: arn };
  },
  strip: removeEnvelope,
});
