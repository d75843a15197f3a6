import type { Attributes } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace';
import { diagnose } from './diagnostics.js';
import { parsePropagatorList } from './propagation/propagators.js';
import type { PropagatorName } from './propagation/propagators.js';

export type ExporterName = 'otlp' | 'console' | 'none';
export type OtlpProtocol = 'http/protobuf' | 'http/json';
/**
 * When an invocation's export counts as done: `sent`, once the request is written to the
 * collector's socket; `response`, once the collector has answered.
 */
export type ExportWait = 'sent' | 'response';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/**
 * Options in code. Each wins over its environment variable (shown in brackets); see the
 * README's configuration table for defaults.
 */
export interface BatonOptions {
  /** Turn instrumentation off entirely; the handler runs untouched. [BATON_ENABLED] */
  readonly enabled?: boolean;
  /** [OTEL_SERVICE_NAME]; default the function name. */
  readonly serviceName?: string;
  /** Extra resource attributes. [OTEL_RESOURCE_ATTRIBUTES] */
  readonly resourceAttributes?: Attributes;
  /** Propagators in precedence order. [OTEL_PROPAGATORS] */
  readonly propagators?: readonly PropagatorName[];
  /** Make the function's own X-Ray header (`_X_AMZN_TRACE_ID`) the parent instead of a link. [BATON_XRAY_PARENT] */
  readonly xrayEnvironmentAsParent?: boolean;
  /** `otlp`, `console`, `none`, or an exporter instance. [OTEL_TRACES_EXPORTER] */
  readonly exporter?: ExporterName | SpanExporter;
  /** OTLP base endpoint; `/v1/traces` is appended. [OTEL_EXPORTER_OTLP_ENDPOINT] */
  readonly endpoint?: string;
  /** OTLP traces endpoint, used as is. [OTEL_EXPORTER_OTLP_TRACES_ENDPOINT] */
  readonly tracesEndpoint?: string;
  /** [OTEL_EXPORTER_OTLP_HEADERS] */
  readonly headers?: Readonly<Record<string, string>>;
  /** [OTEL_EXPORTER_OTLP_PROTOCOL] */
  readonly protocol?: OtlpProtocol;
  /**
   * What an invocation waits for when it exports: `sent` (the request is written to the
   * collector's socket; its answer is read later and failures still reported) or `response`.
   * [BATON_EXPORT_WAIT]
   */
  readonly exportWait?: ExportWait;
  /** A sampler name (with `samplerArg`) or instance. [OTEL_TRACES_SAMPLER] */
  readonly sampler?: SamplerName | Sampler;
  /** [OTEL_TRACES_SAMPLER_ARG] */
  readonly samplerArg?: number;
  /** Most time an invocation waits for its spans to be exported. [BATON_FLUSH_TIMEOUT_MS] */
  readonly flushTimeoutMs?: number;
  /** How long before Lambda's deadline the span is ended as timed out and exported. [BATON_TIMEOUT_MARGIN_MS] */
  readonly timeoutMarginMs?: number;
  /** Write the `_baton` payload envelope on asynchronous invokes. [BATON_PAYLOAD_ENVELOPE] */
  readonly payloadEnvelope?: boolean;
  /** The layer instruments the AWS SDK clients the handler loads (Lambda, SQS, SNS, EventBridge, Kinesis, Step Functions). [BATON_SDK_CLIENTS, formerly BATON_LAMBDA_CLIENTS] */
  readonly sdkClients?: boolean;
}

/** The resolved configuration: read once at cold start, then frozen. */
export interface BatonConfig {
  readonly enabled: boolean;
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Attributes;
  readonly propagators: readonly PropagatorName[] | undefined;
  readonly xrayEnvironmentAsParent: boolean;
  readonly exporter: ExporterName | SpanExporter;
  readonly tracesEndpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly protocol: OtlpProtocol;
  readonly exportWait: ExportWait;
  readonly sampler: SamplerName | Sampler;
  readonly samplerArg: number | undefined;
  readonly flushTimeoutMs: number;
  readonly timeoutMarginMs: number;
  readonly payloadEnvelope: boolean;
  readonly sdkClients: boolean;
}

export const DEFAULT_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_FLUSH_TIMEOUT_MS = 500;
export const DEFAULT_TIMEOUT_MARGIN_MS = 100;

const EXPORTERS: readonly ExporterName[] = ['otlp', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const EXPORT_WAITS: readonly ExportWait[] = ['sent', 'response'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** A value from a fixed list; anything else is reported once and replaced by the default. */
function oneOf<T extends string>(variable: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  const v = nonEmpty(value)?.toLowerCase();
  if (v === undefined) return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  diagnose(`config:${variable}`, `${variable}="${value}" is not one of ${allowed.join(', ')}; using "${fallback}"`);
  return fallback;
}

function bool(variable: string, value: string | undefined, fallback: boolean): boolean {
  const v = nonEmpty(value)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  diagnose(`config:${variable}`, `${variable}="${value}" is not a boolean; using ${String(fallback)}`);
  return fallback;
}

function count(variable: string, value: string | undefined, fallback: number): number {
  const v = nonEmpty(value);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n;
  diagnose(`config:${variable}`, `${variable}="${value}" is not a non-negative number; using ${fallback}`);
  return fallback;
}

/** `key1=value1,key2=value2` (W3C baggage-like, values URL-encoded), as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS use. */
export function parseKeyValueList(variable: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const v = nonEmpty(value);
  if (v === undefined) return out;
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (key === '') {
      diagnose(`config:${variable}:${part}`, `${variable} has an entry without a key ("${part}"); it is ignored`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[key] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

/** OTLP/HTTP: a base endpoint gets `v1/traces` appended; a signal endpoint is used as is. */
function tracesEndpoint(options: BatonOptions, env: NodeJS.ProcessEnv): string {
  const exact = options.tracesEndpoint ?? (options.endpoint === undefined ? nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) : undefined);
  const base = options.endpoint ?? nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']) ?? DEFAULT_ENDPOINT;
  const url = exact ?? `${base}${base.endsWith('/') ? '' : '/'}v1/traces`;
  if (URL.canParse(url)) return url;
  diagnose('config:endpoint', `the OTLP endpoint "${url}" is not a URL; using ${DEFAULT_ENDPOINT}`);
  return `${DEFAULT_ENDPOINT}/v1/traces`;
}

/**
 * `sent` for a collector on loopback: the collector extension listens in the same sandbox, so
 * bytes on its socket are already in its receive buffer when Lambda freezes us, and waiting
 * for its answer costs a round trip per invocation for no delivery guarantee. `response` for
 * any other host: there, written bytes may still sit in our send buffer at the freeze.
 */
export function defaultExportWait(endpoint: string): ExportWait {
  const host = URL.canParse(endpoint) ? new URL(endpoint).hostname : '';
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host) ? 'sent' : 'response';
}

/**
 * Resolve options, then environment, then defaults, once. Invalid values get one diagnostic
 * and a safe default; this never throws.
 */
export function resolveConfig(options: BatonOptions = {}, env: NodeJS.ProcessEnv = process.env): BatonConfig {
  const samplerEnv = env['OTEL_TRACES_SAMPLER'];
  const samplerArgEnv = nonEmpty(env['OTEL_TRACES_SAMPLER_ARG']);
  const samplerArg = options.samplerArg ?? (samplerArgEnv === undefined ? undefined : Number(samplerArgEnv));
  if (samplerArg !== undefined && !(samplerArg >= 0 && samplerArg <= 1)) {
    diagnose('config:OTEL_TRACES_SAMPLER_ARG', `OTEL_TRACES_SAMPLER_ARG="${String(samplerArg)}" is not a ratio in [0, 1]; using 1`);
  }
  const endpoint = tracesEndpoint(options, env);
  return Object.freeze({
    enabled: options.enabled ?? bool('BATON_ENABLED', env['BATON_ENABLED'], true),
    serviceName: options.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']),
    resourceAttributes: Object.freeze({ ...parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env['OTEL_RESOURCE_ATTRIBUTES']), ...options.resourceAttributes }),
    propagators: options.propagators ?? parsePropagatorList(env['OTEL_PROPAGATORS']),
    xrayEnvironmentAsParent: options.xrayEnvironmentAsParent ?? bool('BATON_XRAY_PARENT', env['BATON_XRAY_PARENT'], false),
    exporter: options.exporter ?? oneOf('OTEL_TRACES_EXPORTER', env['OTEL_TRACES_EXPORTER'], EXPORTERS, 'otlp'),
    tracesEndpoint: endpoint,
    headers: Object.freeze({ ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', env['OTEL_EXPORTER_OTLP_HEADERS']), ...options.headers }),
    protocol: options.protocol ?? oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'], PROTOCOLS, 'http/protobuf'),
    exportWait: options.exportWait ?? oneOf('BATON_EXPORT_WAIT', env['BATON_EXPORT_WAIT'], EXPORT_WAITS, defaultExportWait(endpoint)),
    sampler: options.sampler ?? oneOf('OTEL_TRACES_SAMPLER', samplerEnv, SAMPLERS, 'parentbased_always_on'),
    samplerArg: samplerArg !== undefined && samplerArg >= 0 && samplerArg <= 1 ? samplerArg : undefined,
    flushTimeoutMs: options.flushTimeoutMs ?? count('BATON_FLUSH_TIMEOUT_MS', env['BATON_FLUSH_TIMEOUT_MS'], DEFAULT_FLUSH_TIMEOUT_MS),
    timeoutMarginMs: options.timeoutMarginMs ?? count('BATON_TIMEOUT_MARGIN_MS', env['BATON_TIMEOUT_MARGIN_MS'], DEFAULT_TIMEOUT_MARGIN_MS),
    payloadEnvelope: options.payloadEnvelope ?? bool('BATON_PAYLOAD_ENVELOPE', env['BATON_PAYLOAD_ENVELOPE'], true),
    sdkClients: options.sdkClients ?? bool('BATON_SDK_CLIENTS', env['BATON_SDK_CLIENTS'] ?? env['BATON_LAMBDA_CLIENTS'], true),
  });
}
