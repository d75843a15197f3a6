import { diagnose } from '../diagnostics.js';
import { payloadWithEnvelope } from './lambda-carriers.js';
import type { Fields } from './lambda-carriers.js';

/**
 * The `_baton` envelope written into a JSON-object payload (an EventBridge `Detail`, Kinesis
 * `Data`, a Step Functions `input`), Datadog's fields (when `datadog` is named) as `_datadog`
 * beside it, with the caller's bytes kept exactly and the payload's
 * type kept (string in, string out; bytes in, bytes of the same type out). Returns the new
 * payload and the bytes it grew by, or undefined when it is sent unchanged, reported once
 * per service and reason.
 */
export function envelopeIn(
  label: string,
  what: string,
  payload: unknown,
  fields: Fields,
  limit: number,
): { readonly payload: unknown; readonly added: number } | undefined {
  if (Object.keys(fields).length === 0) return undefined;
  // Datadog's consumers read its fields from `_datadog` beside ours, never from `_baton`.
  const result = payloadWithEnvelope(payload, fields, limit, { datadogBeside: true });
  switch (result.kind) {
    case 'injected':
      if (result.shed.length > 0) {
        diagnose(`${label}:envelope-shed`, `trace context in ${what} was cut to fit its size limit (dropped: ${result.shed.join(', ')})`);
      }
      return { payload: result.payload, added: byteLength(result.payload) - byteLength(payload) };
    case 'not-object':
      diagnose(`${label}:not-object`, `${what} is not a JSON object, so it cannot carry trace context; it is sent unchanged`);
      return undefined;
    case 'unreadable':
      diagnose(`${label}:unreadable`, `${what} is a stream or blob, so it cannot carry trace context without being consumed; it is sent unchanged`);
      return undefined;
    case 'has-envelope':
      diagnose(`${label}:has-envelope`, `${what} already has a "${result.key}" key; it is kept and sent unchanged`);
      return undefined;
    case 'too-large':
      diagnose(`${label}:too-large`, `${what} is too close to its size limit to carry trace context; it is sent unchanged`);
      return undefined;
  }
}

/** A payload's size in bytes: UTF-8 for strings. */
export function byteLength(payload: unknown): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload, 'utf8');
  if (payload instanceof Uint8Array || payload instanceof ArrayBuffer) return payload.byteLength;
  return 0;
}
