import { stringGetter } from '../propagation/getters.js';
import type { Carrier } from './types.js';
import { field, isObject } from './shape.js';

/**
 * The payload envelope: where a trace context travels when no header or attribute can carry
 * it (asynchronous invokes, EventBridge `detail`, Kinesis data). Its value is an object of
 * propagation fields, the same names as HTTP headers:
 *   { "_baton": { "traceparent": "00-…-…-01", "tracestate": "…", "baggage": "…" } }
 */
export const ENVELOPE_KEY = '_baton';

/** The envelope carrier inside `container`, if it has one of the right shape. */
export function envelopeCarrier(container: unknown, path: string): Carrier | undefined {
  const envelope = field(container, ENVELOPE_KEY);
  return isObject(envelope) ? { path: `${path}.${ENVELOPE_KEY}`, carrier: envelope, getter: stringGetter } : undefined;
}

/** Remove the envelope so the user's handler sees the payload its caller sent. */
export function removeEnvelope(container: unknown): void {
  if (isObject(container) && Object.prototype.hasOwnProperty.call(container, ENVELOPE_KEY)) {
    delete container[ENVELOPE_KEY];
  }
}
