import { SpanKind } from '@opentelemetry/api';
import { stringGetter } from '../propagation/getters.js';
import { datadogObjectCarrier } from './datadog-carrier.js';
import { envelopeCarrier, removeEnvelope } from './envelope.js';
import { field, functionName, isObject } from './shape.js';
import type { Carrier, LambdaContextLike } from './types.js';
import { defineTrigger } from './types.js';

/**
 * Synchronous invokes deliver `ClientContext.custom` as `context.clientContext.custom`
 * (Invoke API reference: client context is passed for synchronous invocations only).
 */
function* carriers(event: unknown, context: LambdaContextLike): Iterable<Carrier> {
  const custom = field(context.clientContext, 'custom');
  if (isObject(custom)) {
    yield { path: 'context.clientContext.custom', carrier: custom, getter: stringGetter };
    // dd-trace-js writes its fields into `custom` itself; datadog-lambda-js also reads `custom._datadog`.
    const datadog = datadogObjectCarrier(custom, 'context.clientContext.custom');
    if (datadog !== undefined) yield datadog;
  }
  const envelope = envelopeCarrier(event, 'invoke');
  if (envelope !== undefined) yield envelope;
}

/** A direct invocation: whatever no other trigger claims. Always matches, so it is last in the table. */
export const invoke = defineTrigger<unknown>({
  name: 'invoke',
  faasTrigger: 'other',
  kind: SpanKind.SERVER,
  matches: () => true,
  carriers,
  spanName: (_event, context) => functionName(context),
  attributes: () => ({}),
  strip: removeEnvelope,
});
