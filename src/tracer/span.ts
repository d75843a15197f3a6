import { diag, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context, Exception, HrTime, Link, Span, SpanContext, SpanKind, SpanStatus, TimeInput } from '@opentelemetry/api';
import {
  AddAttributeDecision,
  addHrTimes,
  cleanAttributes,
  cleanSimpleAttributes,
  hrTimeDuration,
  isTimeInput,
  isTimeInputHrTime,
  maybeAddAttribute,
  millisToHrTime,
} from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE } from '@opentelemetry/semantic-conventions';
import { hrtimeMs } from './clock.js';

/**
 * The SDK's default span limits (@opentelemetry/sdk-trace 3.1.0, `TracerProvider`), which
 * lambda-baton has always used: no option or variable changes them.
 */
export const SPAN_LIMITS = {
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
} as const;

const EVENT_ATTRIBUTE_LIMITS = { attributeCountLimit: SPAN_LIMITS.attributePerEventCountLimit, attributeValueLengthLimit: SPAN_LIMITS.attributeValueLengthLimit };
export const LINK_ATTRIBUTE_LIMITS = { attributeCountLimit: SPAN_LIMITS.attributePerLinkCountLimit, attributeValueLengthLimit: SPAN_LIMITS.attributeValueLengthLimit };

/**
 * A number below this is compared with `performance.now()` to tell the two kinds of number
 * a `TimeInput` may be apart; at or above it, it is milliseconds since the epoch. 1e11 ms is
 * March 1973; `performance.now()` reaches it after three years of uptime.
 */
const SURELY_EPOCH_MS = 1e11;

/** What a span is started with; attributes and links already cleaned (the sampler saw them). */
export interface SpanStart {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: SpanContext;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly links: Link[];
  readonly startTime: TimeInput | undefined;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly processor: SpanProcessor;
  readonly context: Context;
}

/**
 * A recording span, in the SDK's behaviour (@opentelemetry/sdk-trace 3.1.0, `SpanImpl`): the
 * same limits, clean-up of attributes, event and link rules, status rules, diagnostics, and
 * the same `ReadableSpan` an exporter is given. `test/unit/span.test.ts` records the same
 * operations on both and compares what they export.
 *
 * Why not the SDK's: its span reads `performance` when it starts, and that first read loads
 * Node's perf_hooks into every cold start (src/tracer/clock.ts). Measured on the bundled path,
 * Node 22, 25 fresh-process pairs: the first invocation 12.2 → 8.3 ms, the cold start 2.4 ms
 * less wall time and 5 ms less CPU. Durations come from `process.hrtime`, the same clock.
 */
export class RecordingSpan implements Span, ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  links: Link[];
  readonly events: TimedEvent[] = [];
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;

  private readonly context: SpanContext;
  private readonly processor: SpanProcessor;
  /** `Date.now()` and the monotonic clock when the span started; later times are measured from them. */
  private readonly startedMs: number;
  private readonly startedHr: [number, number];
  private readonly startGiven: boolean;
  private attributeCount: number;
  private droppedAttributes: number;
  private droppedEvents = 0;
  private droppedLinks = 0;
  private spanDuration: HrTime = [-1, -1];
  private hasEnded = false;

  constructor(start: SpanStart) {
    this.startedMs = Date.now();
    this.startedHr = process.hrtime();
    this.context = start.spanContext;
    this.processor = start.processor;
    this.name = start.name;
    this.kind = start.kind;
    this.parentSpanContext = start.parentSpanContext;
    this.resource = start.resource;
    this.instrumentationScope = start.scope;
    this.startGiven = start.startTime !== undefined && start.startTime !== null;
    // Like the SDK, a span without a given start time starts at `Date.now()`.
    this.startTime = this.timeOf(start.startTime ?? this.startedMs);
    const limit = SPAN_LIMITS.linkCountLimit;
    if (start.links.length > limit) {
      this.links = start.links.slice(start.links.length - limit);
      this.droppedLinks = start.links.length - limit;
    } else {
      this.links = start.links;
    }
    this.attributes = start.attributes;
    this.attributeCount = Object.keys(start.attributes).length;
    this.droppedAttributes = start.droppedAttributesCount;
    this.processor.onStart(this, start.context);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.endedAlready()) return this;
    const type = typeof value;
    const decision =
      (type === 'string' || type === 'number' || type === 'boolean') && key.length > 0
        ? this.addScalar(key, value)
        : maybeAddAttribute({ key, value, attributes: this.attributes, limits: SPAN_LIMITS, currentAttributesCount: this.attributeCount });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) {
      this.droppedAttributes++;
      if (this.droppedAttributes === 1) diag.warn('Dropping extra attributes.');
    } else if (decision === AddAttributeDecision.ADD_NEW) {
      this.attributeCount++;
    }
    return this;
  }

  /**
   * What `maybeAddAttribute` decides for a string, number or boolean under a non-empty key,
   * without the WeakSet it allocates to check any value for cycles. Recording an API Gateway
   * invocation span (15 attributes) went from 0.93× to 0.75× the SDK's time
   * (bench/span-record.mjs, Node 20). No length limit applies (SPAN_LIMITS): nothing is truncated.
   */
  private addScalar(key: string, value: AttributeValue): AddAttributeDecision {
    const isNew = !Object.hasOwn(this.attributes, key);
    if (isNew && this.attributeCount >= SPAN_LIMITS.attributeCountLimit) return AddAttributeDecision.DROP_LIMIT_REACHED;
    this.attributes[key] = value;
    return isNew ? AddAttributeDecision.ADD_NEW : AddAttributeDecision.ADD_OVERWRITE_EXISTING;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.hasOwn(attributes, key)) this.setAttribute(key, attributes[key] as AttributeValue);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.endedAlready()) return this;
    const limit = SPAN_LIMITS.eventCountLimit;
    if (this.events.length >= limit) {
      if (this.droppedEvents === 0) diag.debug('Dropping extra events.');
      this.events.shift();
      this.droppedEvents++;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else {
      attributes = attributesOrTime;
    }
    this.events.push({ name, time: this.timeOf(time), ...cleanSimpleAttributes(attributes, EVENT_ATTRIBUTE_LIMITS) });
    return this;
  }

  addLink(link: Link): this {
    if (this.endedAlready()) return this;
    if (this.links.length >= SPAN_LIMITS.linkCountLimit) {
      if (this.droppedLinks === 0) diag.debug('Dropping extra links.');
      this.links.shift();
      this.droppedLinks++;
    }
    this.links.push({ context: link.context, ...cleanAttributes(link.attributes, LINK_ATTRIBUTE_LIMITS) });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endedAlready()) return this;
    // UNSET changes nothing, and OK is final (trace API specification, "Set Status").
    if (status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string') next.message = status.message;
      else if (status.message !== undefined && status.message !== null) diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this.endedAlready()) return this;
    this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.endedAlready()) {
      diag.error(`${this.name} ${this.context.traceId}-${this.context.spanId} - You can only call end() on a span once.`);
      return;
    }
    this.endTime = this.timeOf(endTime);
    this.spanDuration = hrTimeDuration(this.startTime, this.endTime);
    if (this.spanDuration[0] < 0) {
      diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.', this.startTime, this.endTime);
      this.endTime = [this.startTime[0], this.startTime[1]];
      this.spanDuration = [0, 0];
    }
    if (this.droppedEvents > 0) diag.warn(`Dropped ${this.droppedEvents} events because eventCountLimit reached`);
    if (this.droppedLinks > 0) diag.warn(`Dropped ${this.droppedLinks} links because linkCountLimit reached`);
    this.processor.onEnding?.(this);
    this.hasEnded = true;
    this.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.hasEnded;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    } else if (exception) {
      if (exception.code) attributes[ATTR_EXCEPTION_TYPE] = exception.code.toString();
      else if (exception.name) attributes[ATTR_EXCEPTION_TYPE] = exception.name;
      if (exception.message) attributes[ATTR_EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack;
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE]) this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${printable(exception)}`);
  }

  get duration(): HrTime {
    return this.spanDuration;
  }

  get ended(): boolean {
    return this.hasEnded;
  }

  get droppedAttributesCount(): number {
    return this.droppedAttributes;
  }

  get droppedEventsCount(): number {
    return this.droppedEvents;
  }

  get droppedLinksCount(): number {
    return this.droppedLinks;
  }

  private endedAlready(): boolean {
    if (this.hasEnded) {
      const { traceId, spanId } = this.context;
      diag.warn(`Cannot execute the operation on ended Span {traceId: ${traceId}, spanId: ${spanId}}`, new Error(`Operation attempted on ended Span {traceId: ${traceId}, spanId: ${spanId}}`));
    }
    return this.hasEnded;
  }

  /** A `TimeInput` as the SDK reads it, or, given none, now. */
  private timeOf(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number') {
      if (input < SURELY_EPOCH_MS) {
        // Perhaps `performance.now()`: the one case that reads `performance`, which the caller
        // has then loaded already. As the SDK does, placed from this span's start.
        const perfNow = performance.now();
        if (input <= perfNow) return millisToHrTime(this.startedMs + input - (perfNow - hrtimeMs(process.hrtime(this.startedHr))));
      }
      return millisToHrTime(input);
    }
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input;
    if (this.startGiven) return millisToHrTime(Date.now());
    return addHrTimes(this.startTime, process.hrtime(this.startedHr));
  }
}

/** What the SDK's warning prints, except that an object without a prototype does not throw. */
function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[object without a prototype]';
  }
}
