import { ROOT_CONTEXT, propagation as propagationApi, trace } from '@opentelemetry/api';
import type { Attributes, Baggage, Context, SpanContext } from '@opentelemetry/api';
import { diagnose } from '../diagnostics.js';
import { detectTrigger } from '../triggers/index.js';
import type { Carrier, LambdaContextLike, Trigger } from '../triggers/index.js';
import { deferredBaggage, heldBaggage, withDeferredBaggage } from './baggage.js';
import { DATADOG_TRACE_ID } from './datadog.js';
import { XRAY_HEADER, xrayFieldGetter } from './getters.js';
import type { NamedPropagator, Propagation } from './propagators.js';
import { StrictTraceContextPropagator } from './tracecontext.js';

/** A trace context found in one place. */
export interface Found {
  readonly spanContext: SpanContext;
  /** ROOT_CONTEXT plus the remote span context, its baggage and X-Ray lineage: ready to be a parent. */
  readonly context: Context;
  /** The exact place, e.g. `sqs.Records[2].messageAttributes.traceparent`. */
  readonly source: string;
}

export interface FoundLink {
  readonly found: Found;
  readonly attributes: Attributes;
}

export interface Extraction {
  readonly trigger: Trigger<unknown>;
  readonly parent: Found | undefined;
  readonly links: readonly FoundLink[];
  /** Batches only: each record's context (if it carried one) and link attributes, in order. */
  readonly records: readonly RecordContext[] | undefined;
  /** The event's baggage when the parent does not bring it (see `parentContext`). */
  readonly baggage: Baggage | undefined;
}

export interface RecordContext {
  readonly found: Found | undefined;
  readonly attributes: Attributes;
  /** The record's baggage when it carried no valid trace context. */
  readonly baggage: Baggage | undefined;
  /** What identifies the record (`BatchRecord.id`). */
  readonly id: string | undefined;
}

/**
 * The context work runs in: `found`'s (with its baggage), else `base`; and `baggage`, the
 * baggage that came without a trace context, replacing what `base` had. W3C Baggage "is
 * independent of the Trace Context specification. Baggage can be used regardless of whether
 * Distributed Tracing is used" (its abstract), so a `baggage` beside a missing or invalid
 * `traceparent` still reaches the handler and every carrier written downstream.
 */
export function parentContext(found: Found | undefined, baggage: Baggage | undefined, base: Context): Context {
  const context = found?.context ?? base;
  return baggage === undefined ? context : propagationApi.setBaggage(context, baggage);
}

export interface ExtractSettings {
  readonly propagation: Propagation;
  /** `_X_AMZN_TRACE_ID` is the parent instead of a link (design.md section 4). */
  readonly xrayEnvironmentAsParent: boolean;
}

/**
 * The fields each propagator is keyed on: they name the source, and one lookup each tells
 * whether the propagator can find anything in a carrier (our getters match any case).
 */
const KEY_FIELDS = { tracecontext: ['traceparent'], b3: ['b3', 'x-b3-traceid'], xray: [XRAY_HEADER], datadog: [DATADOG_TRACE_ID] } as const;

/** The function's own X-Ray header, read under its variable's name so its source reads `env._X_AMZN_TRACE_ID`. */
const ENV_XRAY_FIELD = '_X_AMZN_TRACE_ID';
const envXrayGetter = xrayFieldGetter(ENV_XRAY_FIELD);

/** The first valid context in `carrier`, by propagator precedence, with its baggage. */
export function extractCarrier(carrier: Carrier, propagation: Propagation): Found | undefined {
  return extractFrom(carrier, propagation.extractors, propagation.baggage);
}

/**
 * A context found in a carrier. The source is worked out only when asked for (by `baton
 * inspect`): the wrapper never reads it, and naming it costs more lookups per invocation.
 * The context (and its baggage) is put together on first use, and for W3C made on first use:
 * a batch links every record but uses a record's context only when the handler processes
 * that record under it, and each context is a copied map.
 */
class FoundIn implements Found {
  #source: string | undefined;
  #context: Context | undefined;

  constructor(
    readonly spanContext: SpanContext,
    /** What the propagator made, if it made a context; else one is made from `spanContext`. */
    private readonly extracted: Context | undefined,
    private readonly carrier: Carrier,
    private readonly field: NamedPropagator['name'],
    private readonly baggage: HeldBaggage | undefined,
  ) {}

  get context(): Context {
    if (this.#context === undefined) {
      const context = this.extracted ?? trace.setSpanContext(ROOT_CONTEXT, this.spanContext);
      this.#context = this.baggage === undefined ? context : withDeferredBaggage(context, ...this.baggage);
    }
    return this.#context;
  }

  get source(): string {
    if (this.#source === undefined) {
      const { getter, carrier, path } = this.carrier;
      const fields = KEY_FIELDS[this.field];
      const key = fields.map((f) => getter.spelling(carrier, f)).find((k) => k !== undefined);
      this.#source = `${path}.${key ?? fields[0]}`;
    }
    return this.#source;
  }
}

/** A carrier's baggage header as extraction found it, and the propagator that will parse it. */
type HeldBaggage = readonly [raw: string | string[] | undefined, propagator: NonNullable<Propagation['baggage']>];

function carries(carrier: Carrier, fields: readonly string[]): boolean {
  for (const field of fields) if (carrier.getter.get(carrier.carrier, field) !== undefined) return true;
  return false;
}

export function extractFrom(carrier: Carrier, extractors: readonly NamedPropagator[], baggage: Propagation['baggage']): Found | undefined {
  for (const { name, propagator } of extractors) {
    // Most carriers hold at most one format. Asking for its key fields first is cheaper than
    // letting every propagator find out: OTel's B3 reads five multi-header fields, and its
    // X-Ray propagator lower-cases every key of the carrier.
    if (!carries(carrier, KEY_FIELDS[name])) continue;
    if (propagator instanceof StrictTraceContextPropagator) {
      const spanContext = propagator.spanContext(carrier.carrier, carrier.getter);
      if (spanContext !== undefined) return new FoundIn(spanContext, undefined, carrier, name, hold(carrier, baggage));
      continue;
    }
    const context = propagator.extract(ROOT_CONTEXT, carrier.carrier, carrier.getter);
    // Each of our propagators sets a span only for a valid context (W3C by its pattern, B3 and
    // X-Ray by isSpanContextValid), so checking again here would only repeat the work.
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined) continue;
    return new FoundIn(spanContext, context, carrier, name, hold(carrier, baggage));
  }
  return undefined;
}

/** The baggage header is read at extraction, so later changes to the event do not reach it. */
function hold(carrier: Carrier, baggage: Propagation['baggage']): HeldBaggage | undefined {
  return baggage === undefined ? undefined : [heldBaggage(carrier.carrier, carrier.getter), baggage];
}

interface Reading {
  readonly found: Found | undefined;
  /** Only when the carrier of `found` (if any) has no baggage: the first carrier's baggage. */
  readonly baggage: Baggage | undefined;
}

const NOTHING: Reading = { found: undefined, baggage: undefined };

/**
 * The first context found in `carriers`, with the baggage of its own carrier; when there is
 * no context, or its carrier has no baggage (an SQS message's `AWSTraceHeader` after its
 * attributes), the baggage of the first carrier that has one.
 */
function firstFound(carriers: Iterable<Carrier>, propagation: Propagation): Reading {
  const baggage = propagation.baggage;
  let lone: Carrier | undefined;
  let found: Found | undefined;
  for (const carrier of carriers) {
    found = extractCarrier(carrier, propagation);
    if (found !== undefined) {
      if (lone === undefined || carries(carrier, BAGGAGE_FIELD)) return { found, baggage: undefined };
      break;
    }
    if (lone === undefined && baggage !== undefined && carries(carrier, BAGGAGE_FIELD)) lone = carrier;
  }
  const raw = lone === undefined ? undefined : heldBaggage(lone.carrier, lone.getter);
  if (raw === undefined || baggage === undefined) return found === undefined ? NOTHING : { found, baggage: undefined };
  return { found, baggage: deferredBaggage(raw, baggage) };
}

const BAGGAGE_FIELD = ['baggage'] as const;

/**
 * The function's own X-Ray header. Under Lambda's multi-concurrency mode the environment is
 * not per request, and the runtime exposes the request's value through its invoke store.
 */
function xrayEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  const runtime = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId?: () => unknown } } }).awslambda;
  try {
    const perRequest = runtime?.InvokeStore?.getXRayTraceId?.();
    if (typeof perRequest === 'string' && perRequest !== '') return perRequest;
  } catch {
    // Fall back to the environment.
  }
  return env['_X_AMZN_TRACE_ID'];
}

const sameSpan = (a: SpanContext, b: SpanContext): boolean => a.traceId === b.traceId && a.spanId === b.spanId;

/**
 * Everything the invocation span needs from an event: which trigger fired, its parent, its
 * links and, for batches, each record's context. Never throws: an extraction that fails is
 * reported once and treated as "no context".
 */
export function extractInvocation(
  event: unknown,
  context: LambdaContextLike,
  settings: ExtractSettings,
  env: NodeJS.ProcessEnv = process.env,
): Extraction {
  const trigger = detectTrigger(event, context);
  try {
    return extractWith(trigger, event, context, settings, env);
  } catch (error) {
    diagnose(`extract:${trigger.name}`, `could not read the trace context of a ${trigger.name} event; the invocation starts a new trace`, error);
    return { trigger, parent: undefined, links: [], records: undefined, baggage: undefined };
  }
}

function extractWith(
  trigger: Trigger<unknown>,
  event: unknown,
  context: LambdaContextLike,
  settings: ExtractSettings,
  env: NodeJS.ProcessEnv,
): Extraction {
  const { propagation } = settings;
  const links: FoundLink[] = [];
  let parent: Found | undefined;
  let baggage: Baggage | undefined;
  let recordContexts: RecordContext[] | undefined;

  if (trigger.records !== undefined) {
    recordContexts = trigger.records(event).map((record) => {
      // Fields named, not spread: a spread per record tripled a 10-record batch's extraction (bench/extract.mjs).
      const reading = firstFound(record.carriers(), propagation);
      return { found: reading.found, baggage: reading.baggage, attributes: record.attributes, id: record.id };
    });
    for (const { found, attributes } of recordContexts) {
      if (found !== undefined) links.push({ found, attributes });
    }
    // A single message is processed under its producer (messaging semantic conventions).
    if (recordContexts.length === 1) ({ found: parent, baggage } = recordContexts[0] ?? NOTHING);
  } else if (trigger.carriers !== undefined) {
    ({ found: parent, baggage } = firstFound(trigger.carriers(event, context), propagation));
  }

  const xrayExtractor = propagation.xrayExtractor;
  const xrayHeader = xrayExtractor === undefined ? undefined : xrayEnvironment(env);
  if (xrayExtractor !== undefined && xrayHeader !== undefined) {
    // The function's own header: X-Ray only, and it carries no baggage.
    const envFound = extractFrom({ path: 'env', carrier: { [ENV_XRAY_FIELD]: xrayHeader }, getter: envXrayGetter }, [xrayExtractor], undefined);
    if (envFound !== undefined) {
      if (settings.xrayEnvironmentAsParent || propagation.xrayEnvironmentAsParent) {
        if (parent !== undefined && !sameSpan(parent.spanContext, envFound.spanContext)) {
          links.push({ found: parent, attributes: { 'baton.link.source': 'event' } });
        }
        // The event's baggage stays with the invocation: the environment's header carries none.
        if (parent !== undefined) baggage = propagationApi.getBaggage(parent.context) ?? baggage;
        parent = envFound;
      } else if (parent === undefined || !sameSpan(parent.spanContext, envFound.spanContext)) {
        links.push({ found: envFound, attributes: { 'baton.link.source': 'xray-environment' } });
      }
    }
  }

  return { trigger, parent, links, records: recordContexts, baggage };
}

