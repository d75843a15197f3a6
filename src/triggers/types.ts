import type { Attributes, SpanKind } from '@opentelemetry/api';
import type { BatonGetter } from '../propagation/getters.js';

/** `faas.trigger` values (OpenTelemetry FaaS semantic conventions). */
export type FaasTrigger = 'http' | 'pubsub' | 'datasource' | 'timer' | 'other';

/** Trigger names: a public contract used in configuration and by `baton inspect`. */
export type TriggerName =
  | 'apigw-rest'
  | 'apigw-http'
  | 'apigw-websocket'
  | 'alb'
  | 'function-url'
  | 'sqs'
  | 'sns'
  | 'eventbridge'
  | 'schedule'
  | 'kinesis'
  | 'dynamodb'
  | 's3'
  | 'stepfunctions'
  | 'invoke';

/**
 * The parts of the Lambda context object we read. Every field is optional: tests, local
 * runners and `baton inspect` pass partial contexts, and none of them may break us.
 */
export interface LambdaContextLike {
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly awsRequestId?: string;
  readonly memoryLimitInMB?: string;
  readonly logGroupName?: string;
  readonly logStreamName?: string;
  readonly clientContext?: unknown;
  getRemainingTimeInMillis?(): number;
}

/** One place in an event (or the context) where a trace context may be carried. */
export interface Carrier {
  /** Where it is, for diagnostics: `sqs.Records[2].messageAttributes`. */
  readonly path: string;
  readonly carrier: unknown;
  readonly getter: BatonGetter<unknown>;
}

/** One record of a batch (SQS, SNS, Kinesis): its own context, and the attributes of its link. */
export interface BatchRecord {
  /** In preference order; lazy, so a message body is parsed only when nothing earlier carried a context. */
  carriers(): Iterable<Carrier>;
  readonly attributes: Attributes;
  /** What identifies the record (the trigger's `recordId`), so that a copy of it is found. */
  readonly id: string | undefined;
}

/** Attributes read from the handler's result (HTTP status), and whether it is an error. */
export interface ResultInfo {
  readonly attributes: Attributes;
  readonly error: boolean;
}

/**
 * A trigger is data plus small functions. `matches` must accept any value; the other
 * functions are only called with events `matches` accepted, and must still tolerate
 * missing or wrongly typed fields: events are input, not a promise.
 */
export interface Trigger<E = unknown> {
  readonly name: TriggerName;
  readonly faasTrigger: FaasTrigger;
  readonly kind: SpanKind;
  matches(event: unknown, context: LambdaContextLike): boolean;
  /** Carriers of the invocation's parent, in preference order. */
  carriers?(event: E, context: LambdaContextLike): Iterable<Carrier>;
  /** Batches: one entry per record, in order. */
  records?(event: E): readonly BatchRecord[];
  /** Batches: what identifies one record (SQS `messageId`, SNS `Sns.MessageId`, …); any value may be passed. */
  recordId?(record: unknown): string | undefined;
  spanName(event: E, context: LambdaContextLike): string;
  /** A fresh object on every call: the caller adds the FaaS attributes to it. */
  attributes(event: E, context: LambdaContextLike): Attributes;
  result?(result: unknown): ResultInfo | undefined;
  /** Remove our payload envelope from the event before the handler sees it. */
  strip?(event: E): void;
}

/**
 * Erase a trigger's event type for the detection table. Sound because the table only calls
 * a trigger's functions with an event its own `matches` accepted.
 */
export function defineTrigger<E>(trigger: Trigger<E>): Trigger<unknown> {
  return trigger as unknown as Trigger<unknown>;
}
