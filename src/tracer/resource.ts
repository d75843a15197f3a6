import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_TELEMETRY_SDK_LANGUAGE, ATTR_TELEMETRY_SDK_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_CLOUD_PLATFORM,
  ATTR_CLOUD_PROVIDER,
  ATTR_CLOUD_REGION,
  ATTR_FAAS_INSTANCE,
  ATTR_FAAS_MAX_MEMORY,
  ATTR_FAAS_NAME,
  ATTR_FAAS_VERSION,
} from '@opentelemetry/semantic-conventions/incubating';
import type { BatonConfig } from '../config.js';

/**
 * Resource attributes from Lambda's reserved environment variables (design.md section 3).
 * No resource detectors run: they cost cold-start time and Lambda already says who we are.
 */
export function lambdaResourceAttributes(config: BatonConfig, env: NodeJS.ProcessEnv): Attributes {
  const attributes: Attributes = {
    [ATTR_CLOUD_PROVIDER]: 'aws',
    [ATTR_CLOUD_PLATFORM]: 'aws_lambda',
    [ATTR_TELEMETRY_SDK_NAME]: 'lambda-baton',
    [ATTR_TELEMETRY_SDK_LANGUAGE]: 'nodejs',
  };
  const set = (key: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') attributes[key] = value;
  };
  const name = env['AWS_LAMBDA_FUNCTION_NAME'];
  set(ATTR_CLOUD_REGION, env['AWS_REGION']);
  set(ATTR_FAAS_NAME, name);
  set(ATTR_FAAS_VERSION, env['AWS_LAMBDA_FUNCTION_VERSION']);
  set(ATTR_FAAS_INSTANCE, env['AWS_LAMBDA_LOG_STREAM_NAME']);
  const memory = Number(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']);
  if (Number.isFinite(memory) && memory > 0) set(ATTR_FAAS_MAX_MEMORY, memory * 1024 * 1024);
  // OTEL_RESOURCE_ATTRIBUTES and options add to, and may override, what Lambda tells us.
  Object.assign(attributes, config.resourceAttributes);
  attributes[ATTR_SERVICE_NAME] = config.serviceName ?? name ?? 'unknown_service:lambda';
  return attributes;
}

export function lambdaResource(config: BatonConfig, env: NodeJS.ProcessEnv): Resource {
  return resourceFromAttributes(lambdaResourceAttributes(config, env));
}
