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
import type { LambdaContextLike } from '../triggers/index.js';

/** OpenTelemetry's fallback when nothing names the service (resource semantic conventions, `service.name`). */
export const UNKNOWN_SERVICE = 'unknown_service:lambda';

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
  const name = config.functionName;
  set(ATTR_CLOUD_REGION, env['AWS_REGION']);
  set(ATTR_FAAS_NAME, name);
  set(ATTR_FAAS_VERSION, env['AWS_LAMBDA_FUNCTION_VERSION']);
  set(ATTR_FAAS_INSTANCE, env['AWS_LAMBDA_LOG_STREAM_NAME']);
  const memory = Number(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']);
  if (Number.isFinite(memory) && memory > 0) set(ATTR_FAAS_MAX_MEMORY, memory * 1024 * 1024);
  // OTEL_RESOURCE_ATTRIBUTES and options add to, and may override, what Lambda tells us;
  // OTEL_SERVICE_NAME wins over a `service.name` among them (OpenTelemetry SDK environment variables).
  Object.assign(attributes, config.resourceAttributes);
  const service = config.serviceName ?? attributes[ATTR_SERVICE_NAME] ?? name;
  if (service === undefined) delete attributes[ATTR_SERVICE_NAME];
  else attributes[ATTR_SERVICE_NAME] = service;
  return attributes;
}

/** The process's resource, and how it learns the service's name when nothing configured one. */
export interface LambdaResource {
  readonly resource: Resource;
  /**
   * Called with every invocation's context. When neither options nor the environment named
   * the service (a local run), the first invocation's `functionName` does; until the resource
   * holds it, this returns a promise the export waits for. Undefined once nothing is pending.
   */
  nameFrom(context: LambdaContextLike): Promise<void> | undefined;
}

const NOTHING_PENDING = (): undefined => undefined;

export function lambdaResource(config: BatonConfig, env: NodeJS.ProcessEnv): LambdaResource {
  const attributes = lambdaResourceAttributes(config, env);
  if (attributes[ATTR_SERVICE_NAME] !== undefined) return { resource: resourceFromAttributes(attributes), nameFrom: NOTHING_PENDING };
  // A promise-valued attribute, which `resourceFromAttributes` accepts: settled by the first invocation.
  let give: (name: string) => void = () => undefined;
  const name = new Promise<string>((resolve) => (give = resolve));
  const resource = resourceFromAttributes({ ...attributes, [ATTR_SERVICE_NAME]: name });
  let settling: Promise<void> | undefined;
  let settled = false;
  return {
    resource,
    nameFrom(context) {
      if (settled) return undefined;
      if (settling === undefined) {
        const given = typeof context.functionName === 'string' ? context.functionName.trim() : '';
        give(given === '' ? UNKNOWN_SERVICE : given);
        settling = (resource.waitForAsyncAttributes?.() ?? Promise.resolve()).then(() => {
          settled = true;
        });
      }
      return settling;
    },
  };
}
