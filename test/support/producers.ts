/** What the producer-side tests share: a parent context to send under, and a message's size as AWS counts it. */
import { ROOT_CONTEXT, createTraceState, propagation, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/** A parent context with a tracestate and a baggage entry of the given sizes (0: none). */
export function parentWith(tracestateBytes: number, baggageBytes: number): Context {
  let ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    ...(tracestateBytes > 0 ? { traceState: createTraceState(`v=${'t'.repeat(tracestateBytes)}`) } : {}),
  });
  if (baggageBytes > 0) ctx = propagation.setBaggage(ctx, propagation.createBaggage({ tenant: { value: 'b'.repeat(baggageBytes) } }));
  return ctx;
}

interface SizedAttribute {
  readonly DataType?: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

/** A message's size as SQS and SNS count it: body plus every attribute's name, type and value. */
export function messageSize(body: string, attributes: Readonly<Record<string, SizedAttribute>> | undefined): number {
  const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
  let bytes = utf8(body);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += utf8(name) + utf8(value.DataType ?? '') + utf8(value.StringValue ?? '') + (value.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}
