import { createContextKey } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';

/**
 * Lambda's recursive-loop detection counts hops in the X-Ray header's `Lineage` field
 * (Lambda developer guide, "Lambda recursive loop detection"). OTel's X-Ray propagator
 * drops it; we carry it in the context and write it back whenever we write the header.
 */
const LINEAGE = createContextKey('lambda-baton xray lineage');
const HEADER = 'x-amzn-trace-id';
const LINEAGE_FIELD = /(?:^|;)\s*Lineage=([^;]*)/;

export function getLineage(context: Context): string | undefined {
  const value = context.getValue(LINEAGE);
  return typeof value === 'string' ? value : undefined;
}

export function readLineage(header: string): string | undefined {
  const value = LINEAGE_FIELD.exec(header)?.[1]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export class LineageXRayPropagator extends AWSXRayPropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = super.extract(context, carrier, getter);
    if (extracted === context) return extracted;
    const key = getter.keys(carrier).find((k) => k.toLowerCase() === HEADER);
    const raw = key === undefined ? undefined : getter.get(carrier, key);
    const header = Array.isArray(raw) ? raw[0] : raw;
    const lineage = header?.includes('Lineage=') ? readLineage(header) : undefined;
    return lineage === undefined ? extracted : extracted.setValue(LINEAGE, lineage);
  }

  override inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const lineage = getLineage(context);
    if (lineage === undefined) {
      super.inject(context, carrier, setter);
      return;
    }
    // Capture OTel's header, then write it once with Lineage appended.
    super.inject(context, carrier, {
      set: (c, key, value) => setter.set(c, key, `${value};Lineage=${lineage}`),
    });
  }
}
