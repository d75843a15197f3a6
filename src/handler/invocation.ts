import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { diagnose } from '../diagnostics.js';
import { extractInvocation, parentContext } from '../propagation/extract.js';
import type { Extraction } from '../propagation/extract.js';
import type { Tracing } from '../tracer/provider.js';
import { timeoutMarginMs } from '../tracer/timers.js';
import { recordSpanName } from '../triggers/messaging.js';
import { records as recordsOf } from '../triggers/shape.js';
import type { LambdaContextLike } from '../triggers/index.js';
import { invocationAttributes, namingContext } from './attributes.js';
import { createColdStartTracker } from './coldstart.js';
import type { ColdStartTracker } from './coldstart.js';
import { recordError } from './outcome.js';
import { queryRedaction } from './redact.js';
import { withBatch } from './records.js';

/** Process state, not request state: a process has exactly one cold start, however often this module is loaded. */
const COLD_START = Symbol.for('lambda-baton.coldstart');
const coldStart: ColdStartTracker = ((globalThis as { [COLD_START]?: ColdStartTracker })[COLD_START] ??= createColdStartTracker());

export const TIMEOUT_ATTRIBUTE = 'baton.timeout';

export type Outcome = { readonly result: unknown } | { readonly error: unknown } | { readonly timeout: true };

/** One invocation's span and the context the handler runs in. */
export interface Invocation {
  readonly span: Span;
  readonly context: Context;
  /** Record the outcome and end the span. Only the first call counts. */
  end(outcome: Outcome): void;
  /** End (if not yet) and export, within the time Lambda leaves us. Never rejects. */
  finish(outcome: Outcome): Promise<void>;
}

const MESSAGING_SHARED = ['messaging.system', 'messaging.destination.name', 'messaging.operation.type', 'messaging.operation.name'];

function shared(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const key of MESSAGING_SHARED) if (attributes[key] !== undefined) out[key] = attributes[key];
  return out;
}

/** What the timeout path keeps back from the deadline for returning to the runtime. */
export const DEADLINE_RESERVE_MS = 10;

/**
 * How long we may wait to export: the configured bound, and never into the margin kept
 * before the deadline (that margin belongs to the timeout path, which flushes in it).
 */
export function flushBound(tracing: Tracing, context: LambdaContextLike, reserveMs = timeoutMarginMs(tracing.config)): number {
  const { flushTimeoutMs } = tracing.config;
  let remaining = Number.POSITIVE_INFINITY;
  try {
    const r = context.getRemainingTimeInMillis?.();
    if (typeof r === 'number' && Number.isFinite(r)) remaining = r;
  } catch {
    // A broken context is not a reason to skip the export.
  }
  return Math.min(flushTimeoutMs, remaining - reserveMs);
}

/**
 * Detect the trigger, extract its context, remove our envelope from the event and start
 * the invocation span. Returns undefined (and reports once) if any of that fails: the
 * handler then runs without tracing rather than not at all.
 */
export function startInvocation(tracing: Tracing, event: unknown, context: LambdaContextLike): Invocation | undefined {
  try {
    const extraction = extractInvocation(event, context, {
      propagation: tracing.propagation,
      xrayEnvironmentAsParent: tracing.config.xrayEnvironmentAsParent,
    });
    extraction.trigger.strip?.(event);
    return begin(tracing, extraction, event, context);
  } catch (error) {
    diagnose('start', 'could not start the invocation span; this invocation is not traced', error);
    return undefined;
  }
}

function begin(tracing: Tracing, extraction: Extraction, event: unknown, context: LambdaContextLike): Invocation {
  const { trigger } = extraction;
  const naming = tracing.nameService(context);
  const parent = parentContext(extraction.parent, extraction.baggage, ROOT_CONTEXT);
  const attributes = invocationAttributes(trigger, event, context, coldStart.next(), queryRedaction(tracing.config.redactQueryKeys));
  const spanName = trigger.spanName(event, namingContext(context, tracing.config.functionName));
  const links = extraction.links.map((link) => ({ context: link.found.spanContext, attributes: link.attributes }));
  // The SDK validates start attributes twice (for the sampler, then for the span); set after
  // the start, they are validated once: 2.4 µs less for an HTTP span. Only a sampler given
  // in code can read attributes; OTEL_TRACES_SAMPLER's samplers never do.
  const samplerReadsAttributes = typeof tracing.config.sampler !== 'string';
  const span = tracing.tracer.startSpan(
    spanName,
    samplerReadsAttributes ? { kind: trigger.kind, attributes, links } : { kind: trigger.kind, links },
    parent,
  );
  if (!samplerReadsAttributes) span.setAttributes(attributes);
  let active = trace.setSpan(parent, span);
  if (extraction.records !== undefined) {
    active = withBatch(active, {
      tracer: tracing.tracer,
      records: recordsOf(event),
      contexts: extraction.records,
      recordId: trigger.recordId,
      spanName: recordSpanName(spanName),
      attributes: shared(attributes),
      batchSpan: span,
    });
  }

  let ended = false;
  const end = (outcome: Outcome): void => {
    if (ended) return;
    ended = true;
    try {
      if ('timeout' in outcome) {
        span.setAttribute(TIMEOUT_ATTRIBUTE, true);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'invocation timed out' });
      } else if ('error' in outcome) {
        recordError(span, outcome.error);
      } else {
        const info = trigger.result?.(outcome.result);
        if (info !== undefined) {
          span.setAttributes(info.attributes);
          if (info.error) span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
    } catch (error) {
      diagnose('end', 'could not end the invocation span', error);
    }
  };

  return {
    span,
    context: active,
    end,
    finish: (outcome) => {
      end(outcome);
      const bound = flushBound(tracing, context, 'timeout' in outcome ? DEADLINE_RESERVE_MS : undefined);
      // Only in a local run's first invocations: the service's name is still settling into the resource.
      return naming === undefined ? tracing.flush(bound) : naming.then(() => tracing.flush(bound));
    },
  };
}
