/**
 * The one table of options. Each row says how an option is named in code, which environment
 * variables carry it (first wins; the others are older or generic names), how its value is
 * parsed, its default, what it may be, and what it means. `resolveConfig` (src/config.ts), the
 * Serverless plugin's schema, validation and environment (src/serverless/options.ts) and the
 * README's configuration table (checked by test/unit/options-table.test.ts) all come from it.
 *
 * This module holds data only, so the plugin can load it without the tracer.
 */
import { PROPAGATOR_NAMES } from './propagation/names.js';

export const EXPORTER_NAMES = ['otlp', 'console', 'none'] as const;
export const PROTOCOL_NAMES = ['http/protobuf', 'http/json'] as const;
export const EXPORT_WAIT_NAMES = ['sent', 'response'] as const;
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export const DEFAULT_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_FLUSH_TIMEOUT_MS = 500;
export const DEFAULT_TIMEOUT_MARGIN_MS = 100;

/**
 * Millisecond bounds. Lambda's longest timeout is 900 s (Lambda quotas), so neither a flush
 * nor a margin can usefully be longer than a function lives; 30 s is already past API
 * Gateway's 29 s integration timeout, the longest a caller usually waits. Any value in range
 * is far below what a Node timer holds (2^31 − 1 ms, Node's timers documentation).
 */
export const FLUSH_TIMEOUT_BOUNDS = { min: 1, max: 30_000 } as const;
export const TIMEOUT_MARGIN_BOUNDS = { min: 0, max: 30_000 } as const;

/** How a value is parsed, in code and from the environment alike. */
export type OptionKind =
  | { readonly type: 'boolean' }
  | { readonly type: 'number'; readonly min: number; readonly max: number }
  | { readonly type: 'string' }
  /** An http:// or https:// URL. */
  | { readonly type: 'url' }
  /** One name from `values`; in code, also an object with the method `instance` names. */
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly instance?: { readonly kind: string; readonly method: string } }
  /** Names from `values`: an array in code, a comma-separated list in the environment. */
  | { readonly type: 'enumList'; readonly values: readonly string[] }
  /** Strings: an array in code, a comma-separated list in the environment. */
  | { readonly type: 'stringList' }
  /** `k=v,k2=v2` in the environment (values URL-encoded); an object in code. `dropEmpty`: an entry with an empty value is left out. */
  | { readonly type: 'keyValue'; readonly values: 'string' | 'attribute'; readonly dropEmpty?: boolean };

export interface OptionRow {
  /** The key in `BatonOptions` and, unless `plugin` is false, in the plugin's `custom.baton`. */
  readonly name: string;
  /** Environment variables, in precedence order. */
  readonly env: readonly string[];
  readonly kind: OptionKind;
  /** The default as the README shows it. */
  readonly defaultText: string;
  /** What a diagnostic says is used instead of a bad value, when it is not the default's literal. */
  readonly fallbackText?: string;
  /** The README's "allowed" cell, when more must be said than the kind says. */
  readonly allowedText?: string;
  readonly meaning: string;
  /** Whether the plugin accepts the option (it can only set what an environment variable can carry). */
  readonly plugin: boolean;
  /** Older plugin keys that still work. */
  readonly pluginAliases?: readonly string[];
  /** The variable the plugin sets, when not the first of `env`. */
  readonly pluginVariable?: string;
  /** Values may hold secrets: a diagnostic names the option, never quotes its value. */
  readonly secret?: boolean;
}

const bool = { type: 'boolean' } as const;

export const OPTIONS = [
  { name: 'enabled', env: ['BATON_ENABLED'], kind: bool, defaultText: '`true`', meaning: '`false`: handlers run untouched', plugin: true },
  {
    name: 'serviceName',
    env: ['OTEL_SERVICE_NAME'],
    kind: { type: 'string' },
    defaultText: 'the function name',
    fallbackText: 'the function name',
    allowedText: 'a string',
    meaning: '`service.name`',
    plugin: true,
  },
  {
    name: 'resourceAttributes',
    env: ['OTEL_RESOURCE_ATTRIBUTES'],
    kind: { type: 'keyValue', values: 'attribute' },
    defaultText: '',
    fallbackText: 'none',
    allowedText: '`k=v,k2=v2`; in code, an object',
    meaning: 'extra resource attributes',
    plugin: true,
  },
  {
    name: 'exporter',
    env: ['OTEL_TRACES_EXPORTER'],
    kind: { type: 'enum', values: EXPORTER_NAMES, instance: { kind: 'SpanExporter', method: 'export' } },
    defaultText: '`otlp`',
    meaning: 'where spans go',
    plugin: true,
  },
  {
    name: 'endpoint',
    env: ['OTEL_EXPORTER_OTLP_ENDPOINT'],
    kind: { type: 'url' },
    defaultText: '`http://localhost:4318`',
    meaning: 'OTLP base URL; `/v1/traces` is appended',
    plugin: true,
  },
  {
    name: 'tracesEndpoint',
    env: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    kind: { type: 'url' },
    defaultText: '',
    fallbackText: 'the endpoint',
    meaning: 'OTLP traces URL, used as is',
    plugin: true,
  },
  {
    name: 'headers',
    env: ['OTEL_EXPORTER_OTLP_HEADERS'],
    kind: { type: 'keyValue', values: 'string', dropEmpty: true },
    // Headers carry API keys and bearer tokens.
    secret: true,
    defaultText: '',
    fallbackText: 'none',
    allowedText: '`k=v,k2=v2`; in code, an object',
    meaning: 'headers sent with each export; one with an empty value is not sent',
    plugin: true,
  },
  {
    name: 'protocol',
    env: ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    // The general variable, so that a function's own OTEL_EXPORTER_OTLP_PROTOCOL still wins over custom.baton.
    pluginVariable: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    kind: { type: 'enum', values: PROTOCOL_NAMES },
    defaultText: '`http/protobuf`',
    meaning: 'OTLP encoding',
    plugin: true,
  },
  {
    name: 'exportWait',
    env: ['BATON_EXPORT_WAIT'],
    kind: { type: 'enum', values: EXPORT_WAIT_NAMES },
    defaultText: '`sent` for a loopback endpoint, else `response`',
    meaning: "what an invocation waits for: its spans written to the socket, or the collector's answer",
    plugin: true,
  },
  {
    name: 'sampler',
    env: ['OTEL_TRACES_SAMPLER'],
    kind: { type: 'enum', values: SAMPLER_NAMES, instance: { kind: 'Sampler', method: 'shouldSample' } },
    defaultText: '`parentbased_always_on`',
    meaning: 'which traces are recorded',
    plugin: true,
  },
  {
    name: 'samplerArg',
    env: ['OTEL_TRACES_SAMPLER_ARG'],
    kind: { type: 'number', min: 0, max: 1 },
    defaultText: '`1`',
    fallbackText: '1',
    meaning: 'the ratio of the `traceidratio` samplers',
    plugin: true,
  },
  {
    name: 'propagators',
    env: ['OTEL_PROPAGATORS'],
    kind: { type: 'enumList', values: PROPAGATOR_NAMES },
    defaultText: 'read `tracecontext,baggage,b3,xray,datadog`; write `tracecontext,baggage`',
    fallbackText: 'the defaults',
    meaning: 'formats read and written; order is precedence',
    plugin: true,
  },
  {
    name: 'xrayEnvironmentAsParent',
    env: ['BATON_XRAY_PARENT'],
    kind: bool,
    defaultText: '`false`',
    meaning: 'make `_X_AMZN_TRACE_ID` the parent, not a link (see below)',
    plugin: true,
  },
  {
    name: 'flushTimeoutMs',
    env: ['BATON_FLUSH_TIMEOUT_MS'],
    kind: { type: 'number', ...FLUSH_TIMEOUT_BOUNDS },
    defaultText: '`500`',
    meaning: 'most an invocation waits for its export, in ms',
    plugin: true,
  },
  {
    name: 'timeoutMarginMs',
    env: ['BATON_TIMEOUT_MARGIN_MS'],
    kind: { type: 'number', ...TIMEOUT_MARGIN_BOUNDS },
    defaultText: '`100`',
    meaning: "how long before the deadline a running invocation's span is ended as timed out and exported, in ms",
    plugin: true,
  },
  {
    name: 'payloadEnvelope',
    env: ['BATON_PAYLOAD_ENVELOPE'],
    kind: bool,
    defaultText: '`true`',
    meaning: 'write the `_baton` envelope on asynchronous invokes',
    plugin: true,
  },
  {
    name: 'sdkClients',
    env: ['BATON_SDK_CLIENTS', 'BATON_LAMBDA_CLIENTS'],
    kind: bool,
    defaultText: '`true`',
    meaning: 'the layer instruments the AWS SDK clients your code loads',
    plugin: true,
    pluginAliases: ['lambdaClient'],
  },
  {
    name: 'logCorrelation',
    env: ['BATON_LOG_CORRELATION'],
    kind: bool,
    defaultText: '`true`',
    meaning: "put the trace and span ids in the function's log lines",
    plugin: true,
  },
  {
    name: 'redactQueryKeys',
    env: ['BATON_REDACT_QUERY_KEYS'],
    kind: { type: 'stringList' },
    defaultText: '',
    fallbackText: 'the built-in list alone',
    allowedText: 'comma-separated keys; in code, an array',
    meaning: 'query keys whose values are exported as `REDACTED`, besides the built-in list',
    plugin: true,
  },
] as const satisfies readonly OptionRow[];

export type OptionName = (typeof OPTIONS)[number]['name'];

/** The row of `name`. */
export function optionRow(name: OptionName): OptionRow {
  return OPTIONS.find((row) => row.name === name) as OptionRow;
}

/** The README's "allowed" cell of a row. */
export function allowedText(row: OptionRow): string {
  if (row.allowedText !== undefined) return row.allowedText;
  const { kind } = row;
  const names = (values: readonly string[]) => values.map((v) => `\`${v}\``).join(', ');
  switch (kind.type) {
    case 'boolean':
      return '`true`, `false`';
    case 'number':
      return `${kind.min} to ${kind.max}`;
    case 'url':
      return '`http://` or `https://` URL';
    case 'enum':
      return kind.instance === undefined ? names(kind.values) : `${names(kind.values)}, or a \`${kind.instance.kind}\``;
    case 'enumList':
      return `list of ${names(kind.values)}`;
    default:
      return '';
  }
}
