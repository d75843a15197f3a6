import { SpanKind, context as contextApi, createContextKey, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { parentContext } from '../propagation/extract.js';
import type { RecordContext } from '../propagation/extract.js';
import { recordError } from './outcome.js';

/** What `withRecord` needs, kept in the invocation's context (never in module scope). */
export interface BatchState {
  readonly tracer: Tracer;
  readonly records: readonly unknown[];
  readonly contexts: readonly RecordContext[];
  /** The trigger's record identity, to find a copy of a record. */
  readonly recordId: ((record: unknown) => string | undefined) | undefined;
  /** The name of each record's span (`recordSpanName`). */
  readonly spanName: string;
  /** Messaging attributes shared by every record (system, destination). */
  readonly attributes: Attributes;
  readonly batchSpan: Span;
}

const BATCH = createContextKey('lambda-baton batch');

export function withBatch(context: Context, state: BatchState): Context {
  return context.setValue(BATCH, state);
}

function recordIndex(state: BatchState, record: unknown): number {
  const byIdentity = state.records.indexOf(record);
  if (byIdentity !== -1) return byIdentity;
  // A copied record is found by what identifies it for its trigger, as read on arrival.
  const id = state.recordId?.(record);
  return id === undefined ? -1 : state.contexts.findIndex((c) => c.id === id);
}

/**
 * Process one record of a batch (SQS, SNS, Kinesis) under its own trace: inside `work`, the
 * record's producer context is the parent, so spans and Lambda client calls made there join
 * the producer's trace. The record span links back to the batch's `process` span. A record
 * that carried no context is processed as a child of the batch span.
 *
 * @example
 * export const handler = withTracing(async (event: SQSEvent) => {
 *   for (const record of event.Records) await withRecord(record, () => handle(record));
 * });
 */
export function withRecord<T>(record: unknown, work: () => T): T {
  const active = contextApi.active();
  const state = active.getValue(BATCH) as BatchState | undefined;
  if (state === undefined) return work();
  let span: Span;
  let scope: Context;
  try {
    const index = recordIndex(state, record);
    const { found, baggage } = (index === -1 ? undefined : state.contexts[index]) ?? {};
    const parent = parentContext(found, baggage, active);
    span = state.tracer.startSpan(
      state.spanName,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...state.attributes, ...(index === -1 ? {} : state.contexts[index]?.attributes) },
        links: found === undefined ? [] : [{ context: state.batchSpan.spanContext(), attributes: { 'baton.link.source': 'batch' } }],
      },
      parent,
    );
    scope = trace.setSpan(parent, span);
  } catch {
    return work();
  }
  let result: T;
  try {
    result = contextApi.with(scope, work);
  } catch (error) {
    recordError(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordError(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}
