import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { SpecBaggagePropagator } from './baggage.js';
import { DatadogPropagator } from './datadog.js';
import { StrictTraceContextPropagator } from './tracecontext.js';
import type { PropagatorName } from './names.js';
import { LineageXRayPropagator } from './xray.js';

// The names live in ./names.ts, which the Serverless plugin loads without OpenTelemetry.
export { PROPAGATOR_NAMES } from './names.js';
export type { PropagatorName } from './names.js';


/**
 * What we read when nothing is configured: W3C, then B3, then X-Ray, then Datadog's fields
 * (a function moving off Datadog still receives them; Datadog writes W3C beside its own, so
 * W3C wins when both are present).
 */
export const DEFAULT_EXTRACT: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'xray', 'datadog'];
/** What we write when nothing is configured: the W3C fields, the smallest and most widely read. Datadog's only when named. */
export const DEFAULT_INJECT: readonly PropagatorName[] = ['tracecontext', 'baggage'];

export interface NamedPropagator {
  readonly name: 'tracecontext' | 'b3' | 'xray' | 'datadog';
  readonly propagator: TextMapPropagator;
}

export interface Propagation {
  /** Trace-context propagators in precedence order; the first that finds a valid context wins. */
  readonly extractors: readonly NamedPropagator[];
  /** W3C baggage, read from the carrier that supplied the parent. */
  readonly baggage: TextMapPropagator | undefined;
  /** Everything configured for writing, as one propagator. */
  readonly injector: TextMapPropagator;
  /** The header names the injector writes (for size budgets). */
  readonly injectFields: readonly string[];
  /** The X-Ray extractor, if configured: every invocation reads `_X_AMZN_TRACE_ID` with it. */
  readonly xrayExtractor: NamedPropagator | undefined;
  /** `xray-lambda`: the function's own X-Ray header (`_X_AMZN_TRACE_ID`) is the parent, not a link. */
  readonly xrayEnvironmentAsParent: boolean;
}

/** Build the propagators once, at cold start. `configured` undefined means the defaults. */
export function createPropagation(configured: readonly PropagatorName[] | undefined): Propagation {
  const extractNames = configured ?? DEFAULT_EXTRACT;
  const injectNames = configured ?? DEFAULT_INJECT;
  const none = extractNames.includes('none');

  const extractors: NamedPropagator[] = [];
  const add = (name: NamedPropagator['name'], make: () => TextMapPropagator): void => {
    if (!extractors.some((e) => e.name === name)) extractors.push({ name, propagator: make() });
  };
  if (!none) {
    for (const name of extractNames) {
      if (name === 'tracecontext') add('tracecontext', () => new StrictTraceContextPropagator());
      // One B3 extractor reads both the single and the multi-header encodings.
      else if (name === 'b3' || name === 'b3multi') add('b3', () => new B3Propagator());
      else if (name === 'xray' || name === 'xray-lambda') add('xray', () => new LineageXRayPropagator());
      else if (name === 'datadog') add('datadog', () => new DatadogPropagator());
    }
  }

  const writers: TextMapPropagator[] = [];
  if (!none) {
    for (const name of injectNames) {
      if (name === 'tracecontext') writers.push(new StrictTraceContextPropagator());
      else if (name === 'baggage') writers.push(new SpecBaggagePropagator());
      else if (name === 'b3') writers.push(new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }));
      else if (name === 'b3multi') writers.push(new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }));
      else if (name === 'xray' || name === 'xray-lambda') writers.push(new LineageXRayPropagator());
      else if (name === 'datadog') writers.push(new DatadogPropagator());
    }
  }
  const injector = new CompositePropagator({ propagators: writers });

  return Object.freeze({
    extractors,
    xrayExtractor: extractors.find((e) => e.name === 'xray'),
    baggage: !none && extractNames.includes('baggage') ? new SpecBaggagePropagator() : undefined,
    injector,
    injectFields: injector.fields(),
    xrayEnvironmentAsParent: !none && extractNames.includes('xray-lambda'),
  });
}
