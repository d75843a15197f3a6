/**
 * `custom.baton` and per-function `baton:` options, their JSON schema (for the framework's
 * configuration validation) and what they become: environment variables and a layer. All
 * three come from the table in src/options.ts: the plugin takes every library option that an
 * environment variable can carry, under the same name.
 */
import { OPTIONS } from '../options.js';
import type { OptionRow } from '../options.js';
import type { ExportWait, ExporterName, OtlpProtocol, SamplerName } from '../config.js';
import type { PropagatorName } from '../propagation/names.js';

export interface BatonPluginOptions {
  /** `false`: the plugin leaves the service (or this function) alone. */
  enabled?: boolean;
  /** A layer ARN, or omitted for the layer built from this package. */
  layer?: string;
  serviceName?: string;
  resourceAttributes?: Record<string, string | number | boolean>;
  exporter?: ExporterName;
  endpoint?: string;
  tracesEndpoint?: string;
  headers?: Record<string, string>;
  protocol?: OtlpProtocol;
  exportWait?: ExportWait;
  sampler?: SamplerName;
  samplerArg?: number;
  propagators?: PropagatorName[];
  xrayEnvironmentAsParent?: boolean;
  flushTimeoutMs?: number;
  timeoutMarginMs?: number;
  payloadEnvelope?: boolean;
  sdkClients?: boolean;
  /** Former name of `sdkClients`; still read. */
  lambdaClient?: boolean;
  logCorrelation?: boolean;
  redactQueryKeys?: string[];
}

/** The subset of JSON schema the options use; `validateOptions` checks exactly these keywords. */
export interface Schema {
  type?: 'object' | 'boolean' | 'number' | 'string' | 'array';
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  anyOf?: readonly Schema[];
}

/** Plugin options that are not library options. */
const PLUGIN_ONLY: Record<string, Schema> = {
  enabled: { type: 'boolean' },
  layer: { type: 'string', pattern: '^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$' },
};

/** A row's value as the plugin takes it: what an environment variable can carry (names, not instances). */
function schemaOf(row: OptionRow): Schema {
  const { kind } = row;
  switch (kind.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return { type: 'number', minimum: kind.min, maximum: kind.max };
    case 'string':
      return { type: 'string', minLength: 1 };
    case 'url':
      return { type: 'string', pattern: '^https?://' };
    case 'enum':
      return { enum: kind.values };
    case 'enumList':
      return { type: 'array', items: { enum: kind.values } };
    case 'stringList':
      return { type: 'array', items: { type: 'string', minLength: 1 } };
    case 'keyValue':
      return { type: 'object', additionalProperties: kind.values === 'string' ? { type: 'string' } : { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } };
  }
}

function buildSchema(): Schema & { properties: Record<string, Schema> } {
  const properties: Record<string, Schema> = {};
  for (const row of OPTIONS as readonly OptionRow[]) {
    if (!row.plugin) continue;
    properties[row.name] = schemaOf(row);
    for (const alias of row.pluginAliases ?? []) properties[alias] = schemaOf(row);
  }
  Object.assign(properties, PLUGIN_ONLY);
  return { type: 'object', properties, additionalProperties: false };
}

/** JSON schema of the options object; `additionalProperties: false` turns a typo into an error naming the key. */
export const OPTIONS_SCHEMA = buildSchema();

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** Problems of `value` against `schema`, each naming where it is. */
function check(where: string, value: unknown, schema: Schema): string[] {
  if (schema.anyOf !== undefined) {
    return schema.anyOf.some((s) => check(where, value, s).length === 0) ? [] : [`${where} must be ${schema.anyOf.map((s) => s.type).join(' or ')}`];
  }
  if (schema.enum !== undefined) {
    return typeof value === 'string' && schema.enum.includes(value) ? [] : [`${where} must be one of ${schema.enum.join(', ')} (got ${JSON.stringify(value)})`];
  }
  if (schema.type !== undefined && typeOf(value) !== schema.type) {
    const wanted = schema.type === 'boolean' ? 'true or false' : schema.type === 'array' ? 'a list' : `a${schema.type === 'object' ? 'n' : ''} ${schema.type}`;
    return [`${where} must be ${wanted}`];
  }
  const problems: string[] = [];
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${where} must be a finite number`);
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${where} must be at least ${schema.minimum} (got ${value})`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${where} must be at most ${schema.maximum} (got ${value})`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${where} must not be empty`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${where} "${value}" does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => problems.push(...check(`${where}[${i}]`, item, schema.items as Schema)));
  }
  if (typeOf(value) === 'object') {
    const properties = schema.properties ?? {};
    for (const [key, v] of Object.entries(value as object)) {
      const rule = properties[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (rule !== undefined) problems.push(...check(`${where}.${key}`, v, rule));
      else if (schema.additionalProperties === false) problems.push(`${where}.${key} is not an option (known: ${Object.keys(properties).join(', ')})`);
    }
  }
  return problems;
}

/**
 * Check options against the schema ourselves too: the framework only warns unless
 * `configValidationMode: error`. Every keyword the schema uses is enforced, bounds included.
 */
export function validateOptions(where: string, value: unknown): string[] {
  if (value === undefined) return [];
  return check(where, value, OPTIONS_SCHEMA);
}

/** A `k=v,k2=v2` list as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS read it (values URL-encoded). */
function keyValueList(value: Record<string, unknown>, dropEmpty: boolean): string {
  return Object.entries(value)
    // An empty header (say `${env:COLLECTOR_KEY, ''}` with the variable unset) is not sent.
    .filter(([, v]) => !dropEmpty || String(v).trim() !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join(',');
}

/** A validated option as its environment variable's text. */
function envText(row: OptionRow, value: unknown): string | undefined {
  switch (row.kind.type) {
    case 'enumList':
    case 'stringList':
      return (value as unknown[]).join(',');
    case 'keyValue':
      return keyValueList(value as Record<string, unknown>, row.kind.dropEmpty === true);
    default:
      return String(value);
  }
}

/** The environment variables that carry `options` to the layer (the first variable of each row). */
export function environmentFor(options: BatonPluginOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const given = options as Record<string, unknown>;
  for (const row of OPTIONS as readonly OptionRow[]) {
    if (!row.plugin || row.name === 'enabled') continue;
    // The row's own key wins over an older alias.
    const key = [row.name, ...(row.pluginAliases ?? [])].find((k) => given[k] !== undefined);
    const variable = row.pluginVariable ?? row.env[0];
    if (key === undefined || variable === undefined) continue;
    const text = envText(row, given[key]);
    if (text !== undefined && text !== '') env[variable] = text;
  }
  return env;
}
