import { alb } from './alb.js';
import { apigwHttp } from './apigw-http.js';
import { apigwRest } from './apigw-rest.js';
import { apigwWebsocket } from './apigw-websocket.js';
import { dynamodb } from './dynamodb.js';
import { eventbridge } from './eventbridge.js';
import { functionUrl } from './function-url.js';
import { invoke } from './invoke.js';
import { kinesis } from './kinesis.js';
import { s3 } from './s3.js';
import { schedule } from './schedule.js';
import { sns } from './sns.js';
import { sqs } from './sqs.js';
import { stepfunctions } from './stepfunctions.js';
import { records } from './shape.js';
import type { LambdaContextLike, Trigger } from './types.js';

/** Triggers that deliver `Records`: each matches on the first record's event source. */
const RECORD_TRIGGERS: readonly Trigger<unknown>[] = [sqs, sns, kinesis, dynamodb, s3];

/**
 * The rest, in detection order: more specific shapes come before the general ones they
 * resemble (a Function URL is also payload 2.0, a schedule is also an EventBridge event, an
 * ALB event also has `httpMethod`), and `invoke` claims whatever is left.
 */
const OTHER_TRIGGERS: readonly Trigger<unknown>[] = [
  functionUrl,
  apigwHttp,
  alb,
  apigwWebsocket,
  apigwRest,
  schedule,
  eventbridge,
  stepfunctions,
  invoke,
];

/** Detection order: the first trigger whose `matches` accepts the event wins. */
export const TRIGGERS: readonly Trigger<unknown>[] = [...RECORD_TRIGGERS, ...OTHER_TRIGGERS];

export function detectTrigger(event: unknown, context: LambdaContextLike): Trigger<unknown> {
  // Record triggers all need `Records`: an event without them skips five checks.
  if (records(event).length > 0) {
    for (const trigger of RECORD_TRIGGERS) if (trigger.matches(event, context)) return trigger;
  }
  for (const trigger of OTHER_TRIGGERS) if (trigger.matches(event, context)) return trigger;
  return invoke;
}

export type { BatchRecord, Carrier, FaasTrigger, LambdaContextLike, ResultInfo, Trigger, TriggerName } from './types.js';
