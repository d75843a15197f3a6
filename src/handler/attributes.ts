import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_AWS_LAMBDA_INVOKED_ARN,
  ATTR_CLOUD_ACCOUNT_ID,
  ATTR_CLOUD_RESOURCE_ID,
  ATTR_FAAS_COLDSTART,
  ATTR_FAAS_INVOCATION_ID,
  ATTR_FAAS_TRIGGER,
} from '@opentelemetry/semantic-conventions/incubating';
import type { LambdaContextLike, Trigger } from '../triggers/index.js';
import { redactUrlAttributes } from './redact.js';
import type { QueryRedaction } from './redact.js';

/**
 * `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`. `cloud.resource_id` is the
 * ARN with an alias replaced by the version that ran (FaaS semantic conventions).
 */
function resourceId(arn: string, version: string | undefined): string {
  const parts = arn.split(':');
  if (parts.length === 8 && version !== undefined && version !== '' && parts[7] !== version) {
    parts[7] = version;
    return parts.join(':');
  }
  return arn;
}

/** The attributes read from the ARN: the same on every invocation of an alias, so kept for the last one seen. */
let lastArn: { arn: string; version: string | undefined; attributes: Attributes } | undefined;

function arnAttributes(arn: string, version: string | undefined): Attributes {
  if (lastArn?.arn === arn && lastArn.version === version) return lastArn.attributes;
  const attributes: Attributes = { [ATTR_AWS_LAMBDA_INVOKED_ARN]: arn };
  const account = arn.split(':')[4];
  if (account !== undefined && account !== '') attributes[ATTR_CLOUD_ACCOUNT_ID] = account;
  attributes[ATTR_CLOUD_RESOURCE_ID] = resourceId(arn, version);
  lastArn = { arn, version, attributes };
  return attributes;
}

/**
 * The context a span is named from: the configured function name (`AWS_LAMBDA_FUNCTION_NAME`)
 * fills in when the invocation's context has none (a local run, `baton inspect`). Lambda
 * always sets both, so on Lambda this returns the context itself.
 */
export function namingContext(context: LambdaContextLike, functionName: string | undefined): LambdaContextLike {
  if (functionName === undefined || (typeof context.functionName === 'string' && context.functionName !== '')) return context;
  const own = { functionName: { value: functionName, enumerable: true } };
  return typeof context === 'object' && context !== null ? (Object.create(context, own) as LambdaContextLike) : Object.create(null, own) as LambdaContextLike;
}

/** The invocation span's attributes: the trigger's own, then the FaaS ones every invocation has. */
export function invocationAttributes(
  trigger: Trigger<unknown>,
  event: unknown,
  context: LambdaContextLike,
  coldStart: boolean,
  redaction: QueryRedaction,
): Attributes {
  // The trigger's object is fresh and ours to add to. Not a spread copy: adding keys to a
  // spread-made object measured ~6× slower in V8 (its shape is not shared between calls).
  const attributes = trigger.attributes(event, context);
  // Triggers report the request as it came; what must never be exported is decided here, once.
  redactUrlAttributes(attributes, redaction);
  attributes[ATTR_FAAS_TRIGGER] = trigger.faasTrigger;
  attributes[ATTR_FAAS_COLDSTART] = coldStart;
  if (typeof context.awsRequestId === 'string') attributes[ATTR_FAAS_INVOCATION_ID] = context.awsRequestId;
  const arn = context.invokedFunctionArn;
  if (typeof arn === 'string' && arn.startsWith('arn:')) {
    const fromArn = arnAttributes(arn, typeof context.functionVersion === 'string' ? context.functionVersion : undefined);
    for (const key in fromArn) attributes[key] = fromArn[key];
  }
  return attributes;
}
