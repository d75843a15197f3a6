import { TraceFlags, propagation } from '@opentelemetry/api';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { resolveConfig } from './config.js';
import type { BatonOptions } from './config.js';
import { invocationAttributes, namingContext } from './handler/attributes.js';
import { queryRedaction } from './handler/redact.js';
import { extractInvocation } from './propagation/extract.js';
import type { Found } from './propagation/extract.js';
import { createPropagation } from './propagation/propagators.js';
import { getLineage } from './propagation/xray.js';
import type { FaasTrigger, LambdaContextLike, TriggerName } from './triggers/index.js';

export interface InspectedContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  /** The exact place it was found, e.g. `sqs.Records[2].messageAttributes.traceparent`. */
  readonly source: string;
  readonly tracestate?: string;
  readonly lineage?: string;
}

export interface InspectedLink extends InspectedContext {
  readonly attributes: Record<string, AttributeValue>;
}

/** The output of `baton inspect`: a public contract, keep these names. */
export interface InspectResult {
  readonly trigger: TriggerName;
  readonly faasTrigger: FaasTrigger;
  readonly spanName: string;
  readonly parent: InspectedContext | null;
  readonly links: readonly InspectedLink[];
  readonly records?: readonly (InspectedContext | null)[];
  readonly baggage: Record<string, string>;
  readonly attributes: Record<string, AttributeValue>;
}

/** A prototype-free record, so keys such as `__proto__` from input stay plain keys. */
function plain<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true });
  return out;
}

function defined(attributes: Attributes): Record<string, AttributeValue> {
  return plain(Object.entries(attributes).filter((e): e is [string, AttributeValue] => e[1] !== undefined));
}

function describe(found: Found): InspectedContext {
  const { traceId, spanId, traceFlags, traceState } = found.spanContext;
  const tracestate = traceState?.serialize();
  const lineage = getLineage(found.context);
  return {
    traceId,
    spanId,
    sampled: (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    source: found.source,
    ...(tracestate ? { tracestate } : {}),
    ...(lineage === undefined ? {} : { lineage }),
  };
}

/**
 * What lambda-baton makes of an event, without running a handler: the same detection,
 * extraction and attributes the wrapper uses. The engine behind `baton inspect`.
 * Only `env` applies, never the process's environment, so a result does not depend on
 * where it ran.
 */
export function inspectEvent(
  event: unknown,
  context: LambdaContextLike = {},
  env: NodeJS.ProcessEnv = {},
  options: BatonOptions = {},
): InspectResult {
  const config = resolveConfig(options, env);
  const extraction = extractInvocation(
    event,
    context,
    { propagation: createPropagation(config.propagators), xrayEnvironmentAsParent: config.xrayEnvironmentAsParent },
    env,
  );
  const { trigger, parent } = extraction;
  const baggage = extraction.baggage ?? (parent === undefined ? undefined : propagation.getBaggage(parent.context));
  return {
    trigger: trigger.name,
    faasTrigger: trigger.faasTrigger,
    spanName: trigger.spanName(event, namingContext(context, config.functionName)),
    parent: parent === undefined ? null : describe(parent),
    links: extraction.links.map((link) => ({ ...describe(link.found), attributes: defined(link.attributes) })),
    ...(extraction.records === undefined
      ? {}
      : { records: extraction.records.map((r) => (r.found === undefined ? null : describe(r.found))) }),
    baggage: plain((baggage?.getAllEntries() ?? []).map(([key, entry]) => [key, entry.value] as const)),
    attributes: defined(invocationAttributes(trigger, event, context, true, queryRedaction(config.redactQueryKeys))),
  };
}
