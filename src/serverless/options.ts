/**
 * `custom.baton` and per-function `baton:` options, their JSON schema (for the framework's
 * configuration validation) and what they become: environment variables and a layer.
 */
export interface BatonPluginOptions {
  enabled?: boolean;
  /** A layer ARN, or omitted for the layer built from this package. */
  layer?: string;
  endpoint?: string;
  headers?: Record<string, string>;
  protocol?: 'http/protobuf' | 'http/json';
  propagators?: string[];
  sampler?: string;
  samplerArg?: number;
  serviceName?: string;
  lambdaClient?: boolean;
  payloadEnvelope?: boolean;
  flushTimeoutMs?: number;
  exportWait?: 'sent' | 'response';
}

const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'xray', 'xray-lambda', 'datadog', 'none'];
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** JSON schema of the options object; `additionalProperties: false` turns a typo into an error naming the key. */
export const OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    layer: { type: 'string', pattern: '^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$' },
    endpoint: { type: 'string', pattern: '^https?://' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    protocol: { enum: ['http/protobuf', 'http/json'] },
    propagators: { type: 'array', items: { enum: PROPAGATORS } },
    sampler: { enum: SAMPLERS },
    samplerArg: { type: 'number', minimum: 0, maximum: 1 },
    serviceName: { type: 'string' },
    lambdaClient: { type: 'boolean' },
    payloadEnvelope: { type: 'boolean' },
    flushTimeoutMs: { type: 'number', minimum: 0 },
    exportWait: { enum: ['sent', 'response'] },
  },
  additionalProperties: false,
} as const;

/** Check options against the schema ourselves too: the framework only warns unless `configValidationMode: error`. */
export function validateOptions(where: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where} must be an object`];
  const problems: string[] = [];
  const properties = OPTIONS_SCHEMA.properties as Record<string, { type?: string; enum?: readonly string[]; items?: { enum: readonly string[] }; pattern?: string }>;
  for (const [key, v] of Object.entries(value)) {
    const rule = properties[key];
    if (rule === undefined) {
      problems.push(`${where}.${key} is not an option (known: ${Object.keys(properties).join(', ')})`);
      continue;
    }
    if (rule.enum !== undefined && !rule.enum.includes(v as string)) problems.push(`${where}.${key} must be one of ${rule.enum.join(', ')}`);
    else if (rule.type === 'boolean' && typeof v !== 'boolean') problems.push(`${where}.${key} must be true or false`);
    else if (rule.type === 'number' && typeof v !== 'number') problems.push(`${where}.${key} must be a number`);
    else if (rule.type === 'string' && typeof v !== 'string') problems.push(`${where}.${key} must be a string`);
    else if (rule.pattern !== undefined && typeof v === 'string' && !new RegExp(rule.pattern).test(v)) problems.push(`${where}.${key} "${v}" does not look right (${rule.pattern})`);
    else if (rule.items !== undefined) {
      if (!Array.isArray(v)) problems.push(`${where}.${key} must be a list`);
      else for (const item of v) if (!rule.items.enum.includes(item as string)) problems.push(`${where}.${key} has an unknown entry "${String(item)}"`);
    }
  }
  return problems;
}

/** The environment a function gets for its options. */
export function environmentFor(options: BatonPluginOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.endpoint !== undefined) env['OTEL_EXPORTER_OTLP_ENDPOINT'] = options.endpoint;
  if (options.headers !== undefined) {
    env['OTEL_EXPORTER_OTLP_HEADERS'] = Object.entries(options.headers).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
  }
  if (options.protocol !== undefined) env['OTEL_EXPORTER_OTLP_PROTOCOL'] = options.protocol;
  if (options.propagators !== undefined) env['OTEL_PROPAGATORS'] = options.propagators.join(',');
  if (options.sampler !== undefined) env['OTEL_TRACES_SAMPLER'] = options.sampler;
  if (options.samplerArg !== undefined) env['OTEL_TRACES_SAMPLER_ARG'] = String(options.samplerArg);
  if (options.serviceName !== undefined) env['OTEL_SERVICE_NAME'] = options.serviceName;
  if (options.lambdaClient !== undefined) env['BATON_LAMBDA_CLIENTS'] = String(options.lambdaClient);
  if (options.payloadEnvelope !== undefined) env['BATON_PAYLOAD_ENVELOPE'] = String(options.payloadEnvelope);
  if (options.flushTimeoutMs !== undefined) env['BATON_FLUSH_TIMEOUT_MS'] = String(options.flushTimeoutMs);
  if (options.exportWait !== undefined) env['BATON_EXPORT_WAIT'] = options.exportWait;
  return env;
}
