import type { Context, TextMapGetter } from '@opentelemetry/api';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { isBatonGetter } from './getters.js';

/**
 * OTel's B3 propagator for extraction. Without a `b3` header it reads the multi-header
 * encoding, five lookups deep; with our case-insensitive getters, two lookups tell that
 * neither encoding is there, which is the common case on every carrier B3 is tried on.
 */
export class B3ExtractPropagator extends B3Propagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (isBatonGetter(getter) && getter.get(carrier, 'b3') === undefined && getter.get(carrier, 'x-b3-traceid') === undefined) {
      return context;
    }
    return super.extract(context, carrier, getter);
  }
}
