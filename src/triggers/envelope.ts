import { stringGetter } from '../propagation/getters.js';
import type { Carrier } from './types.js';
import { field, isObject } from './shape.js';
import type { Json } from './shape.js';

/**
 * The payload envelope: where a trace context travels when no header or attribute can carry
 * it (asynchronous invokes, EventBridge `detail`, Kinesis data, Step Functions). Its value is
 * an object of propagation fields, the same names as HTTP headers:
 *   { "_baton": { "traceparent": "00-…-…-01", "tracestate": "…", "baggage": "…" } }
 */
export const ENVELOPE_KEY = '_baton';

/**
 * Ours only in that shape: an object whose every field is a string. A payload's own `_baton`
 * of any other shape (a string, an array, nested objects, numbers) belongs to the user: it
 * is not read as a carrier and reaches the handler unchanged.
 */
function envelopeIn(container: unknown): Json | undefined {
  const envelope = field(container, ENVELOPE_KEY);
  if (!isObject(envelope)) return undefined;
  for (const key in envelope) {
    if (Object.prototype.hasOwnProperty.call(envelope, key) && typeof envelope[key] !== 'string') return undefined;
  }
  return envelope;
}

/** The envelope carrier inside `container`, if it has one of the right shape. */
export function envelopeCarrier(container: unknown, path: string): Carrier | undefined {
  const envelope = envelopeIn(container);
  return envelope === undefined ? undefined : { path: `${path}.${ENVELOPE_KEY}`, carrier: envelope, getter: stringGetter };
}

/**
 * Remove our envelope from an object the event holds, so the user's handler sees the payload
 * its caller sent. Envelopes inside strings or bytes that the handler decodes itself (an SQS
 * body, Kinesis data) are left as they arrived: rewriting them would change the user's bytes.
 */
export function removeEnvelope(container: unknown): void {
  if (envelopeIn(container) !== undefined) delete (container as Json)[ENVELOPE_KEY];
}
