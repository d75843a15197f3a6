import type { Attributes } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace';
import { diagnose } from './diagnostics.js';
import { DEFAULT_ENDPOINT, DEFAULT_FLUSH_TIMEOUT_MS, DEFAULT_TIMEOUT_MARGIN_MS, OPTIONS, optionRow } from './options.js';
import type { OptionName, OptionRow } from './options.js';
import type { PropagatorName } from './propagation/propagators.js';

export { DEFAULT_ENDPOINT, DEFAULT_FLUSH_TIMEOUT_MS, DEFAULT_TIMEOUT_MARGIN_MS } from './options.js';

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
 * README's configuration table for defaults and bounds. The keys are those of the table in
 * src/options.ts (a test checks both ways).
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
  /** The ratio of the `traceidratio` samplers, 0 to 1. [OTEL_TRACES_SAMPLER_ARG] */
  readonly samplerArg?: number;
  /** Most time an invocation waits for its spans to be exported, 1 to 30000 ms. [BATON_FLUSH_TIMEOUT_MS] */
  readonly flushTimeoutMs?: number;
  /** How long before Lambda's deadline the span is ended as timed out and exported, 0 to 30000 ms. [BATON_TIMEOUT_MARGIN_MS] */
  readonly timeoutMarginMs?: number;
  /** Write the `_baton` payload envelope on asynchronous invokes. [BATON_PAYLOAD_ENVELOPE] */
  readonly payloadEnvelope?: boolean;
  /** The layer instruments the AWS SDK clients the handler loads (Lambda, SQS, SNS, EventBridge, Kinesis, Step Functions). [BATON_SDK_CLIENTS, formerly BATON_LAMBDA_CLIENTS] */
  readonly sdkClients?: boolean;
  /** Put the trace and span ids in the function's log lines. [BATON_LOG_CORRELATION] */
  readonly logCorrelation?: boolean;
  /** Query keys whose values are exported as `REDACTED`, besides the built-in list. [BATON_REDACT_QUERY_KEYS] */
  readonly redactQueryKeys?: readonly string[];
}

/** `BatonOptions` has exactly the keys of the table in src/options.ts: a missing or extra key fails the type check. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- checked by the compiler only
type OptionsMatchTable = Holds<Same<keyof BatonOptions, OptionName>>;

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
  readonly logCorrelation: boolean;
  /** The keys added to the built-in list; empty when none are. */
  readonly redactQueryKeys: readonly string[];
  /** `AWS_LAMBDA_FUNCTION_NAME`: names spans and the service when the invocation's context does not. */
  readonly functionName: string | undefined;
}


/** Where a value came from: the option in code, or the first environment variable that is set. */
interface Given {
  /** The option's name, or the variable's. */
  readonly label: string;
  readonly value: unknown;
  readonly fromEnv: boolean;
  /** The value may hold a secret (headers carry API keys): diagnostics never quote it. */
  readonly secret?: boolean;
}

/** A value that does not fit: what it should have been. */
class Misfit {
  constructor(readonly expected: string) {}
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The value as the user wrote it: a variable's text in quotes; a value in code as JavaScript shows it. */
function quote(given: Given): string {
  const { value } = given;
  if (given.secret === true) return given.fromEnv ? '(its value is not shown)' : `(${typeOf(value)}, not shown)`;
  const text = quoted(given.fromEnv, value);
  // One line, not a dump: a long value is cut.
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

const MAX_QUOTED = 200;

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function quoted(fromEnv: boolean, value: unknown): string {
  if (fromEnv || typeof value === 'string') return JSON.stringify(String(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'an unprintable value';
  }
}

/** The same line for a value in code and in the environment. */
function reject(given: Given, expected: string, fallback: string): void {
  diagnose(`config:${given.label}`, `${given.label}=${quote(given)} ${expected}; using ${fallback}`);
}

/**
 * The option in code if given, else the first of its variables that is set (an empty
 * variable counts as unset, as the OpenTelemetry environment specification says).
 */
function given(row: OptionRow, value: unknown, env: NodeJS.ProcessEnv): Given | undefined {
  const secret = row.secret === true;
  if (value !== undefined) return { label: row.name, value, fromEnv: false, secret };
  for (const variable of row.env) {
    const text = env[variable];
    if (nonEmpty(text) !== undefined) return { label: variable, value: text, fromEnv: true, secret };
  }
  return undefined;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function parseBoolean(g: Given): boolean | Misfit {
  if (typeof g.value === 'boolean' && !g.fromEnv) return g.value;
  const word = g.fromEnv ? String(g.value).trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE.has(word)) return true;
  if (word !== undefined && FALSE.has(word)) return false;
  return new Misfit('is not true or false');
}

function parseNumber(g: Given, min: number, max: number): number | Misfit {
  // Number('') is 0 and Number(' 5 ') is 5; only a variable's text is converted.
  const n = g.fromEnv ? Number(String(g.value).trim()) : g.value;
  if (typeof n === 'number' && Number.isFinite(n) && n >= min && n <= max) return n;
  return new Misfit(`is not a number from ${min} to ${max}`);
}

function parseString(g: Given): string | Misfit {
  const text = typeof g.value === 'string' ? g.value.trim() : '';
  return text === '' ? new Misfit('is not a non-empty string') : text;
}

function parseName<T extends string>(g: Given, allowed: readonly T[]): T | Misfit {
  const name = typeof g.value === 'string' ? g.value.trim().toLowerCase() : undefined;
  if (name !== undefined && (allowed as readonly string[]).includes(name)) return name as T;
  return new Misfit(`is not one of ${allowed.join(', ')}`);
}

/** A name from the list, or (in code) an object with the method that makes it an instance. */
function parseNameOrInstance<T extends string, I>(g: Given, row: OptionRow): T | I | Misfit {
  const kind = row.kind;
  if (kind.type !== 'enum') throw new TypeError(`${row.name} is not an enum option`);
  const { value } = g;
  if (!g.fromEnv && typeof value === 'object' && value !== null && kind.instance !== undefined) {
    if (typeof (value as Record<string, unknown>)[kind.instance.method] === 'function') return value as I;
  }
  const name = parseName(g, kind.values as readonly T[]);
  if (!(name instanceof Misfit) || kind.instance === undefined) return name;
  return new Misfit(`is not one of ${kind.values.join(', ')} or a ${kind.instance.kind}`);
}

/**
 * An http:// or https:// URL. A value without a scheme (`localhost:4318`, which the URL parser
 * would read as the scheme `localhost:`) is taken as http:// when it names a port, with a
 * diagnostic; without a port it is refused, so nothing is sent to a port nobody named.
 */
function parseUrl(g: Given): string | Misfit {
  if (typeof g.value !== 'string' || g.value.trim() === '') return new Misfit('is not a URL');
  const text = g.value.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && URL.canParse(`http://${text}`)) {
    const url = new URL(`http://${text}`);
    if (url.port === '') return new Misfit('has no scheme and no port');
    const taken = `http://${text}`;
    diagnose(`config:${g.label}`, `${g.label}=${quote(g)} has no scheme; using "${taken}"`);
    return taken;
  }
  if (!URL.canParse(text)) return new Misfit('is not a URL');
  const { protocol } = new URL(text);
  if (protocol !== 'http:' && protocol !== 'https:') return new Misfit('is not an http:// or https:// URL');
  return text;
}

/** Names from a list, in order; unknown ones are reported one by one and skipped. */
function parseNameList<T extends string>(g: Given, allowed: readonly T[]): T[] | Misfit {
  const items = g.fromEnv ? String(g.value).split(',') : g.value;
  if (!Array.isArray(items)) return new Misfit(`is not a list of ${allowed.join(', ')}`);
  const names: T[] = [];
  for (const item of items as unknown[]) {
    const name = typeof item === 'string' ? item.trim().toLowerCase() : undefined;
    if (name === '' && g.fromEnv) continue;
    if (name !== undefined && (allowed as readonly string[]).includes(name)) {
      names.push(name as T);
      continue;
    }
    const shown = typeof item === 'string' ? JSON.stringify(item.trim()) : quote({ ...g, value: item, fromEnv: false });
    diagnose(`config:${g.label}:${shown}`, `${g.label}=${quote(g)}: ${shown} is not one of ${allowed.join(', ')}; it is ignored`);
  }
  return names;
}

function parseStringList(g: Given): string[] | Misfit {
  const items = g.fromEnv ? String(g.value).split(',') : g.value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) return new Misfit('is not a list of strings');
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
}

function isAttributeValue(value: unknown): boolean {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  return scalar(value) || (Array.isArray(value) && value.every(scalar));
}

/**
 * `key1=value1,key2=value2` (values URL-encoded), as OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_EXPORTER_OTLP_HEADERS use; in code, an object. A bad entry is reported and skipped.
 */
function parseKeyValues(g: Given, values: 'string' | 'attribute'): Record<string, unknown> | Misfit {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (!g.fromEnv) {
    if (typeof g.value !== 'object' || g.value === null || Array.isArray(g.value)) return new Misfit('is not an object');
    for (const [key, value] of Object.entries(g.value)) {
      if (values === 'string' ? typeof value === 'string' : isAttributeValue(value)) out[key] = value;
      else diagnose(`config:${g.label}:${key}`, `${g.label}.${key}${g.secret === true ? '' : `=${quote({ ...g, value })}`} is not ${values === 'string' ? 'a string' : 'an attribute value'}; it is ignored`);
    }
    return out;
  }
  for (const part of String(g.value).split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (key === '') {
      diagnose(`config:${g.label}:${part}`, `${g.label} has an entry without a key${g.secret === true ? '' : ` (${JSON.stringify(part)})`}; it is ignored`);
      continue;
    }
    const raw = part.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

/** Default-literal text for a diagnostic. */
function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** One option's value: parsed from code or the environment, else (with a diagnostic for a bad one) the fallback. */
function read<T>(name: OptionName, option: unknown, env: NodeJS.ProcessEnv, parse: (g: Given) => T | Misfit, fallback: T): T {
  const row = optionRow(name);
  const g = given(row, option, env);
  if (g === undefined) return fallback;
  const value = parse(g);
  if (!(value instanceof Misfit)) return value;
  reject(g, value.expected, row.fallbackText ?? show(fallback));
  return fallback;
}

function bounds(name: OptionName): { min: number; max: number } {
  const kind = optionRow(name).kind;
  return kind.type === 'number' ? kind : { min: -Infinity, max: Infinity };
}

function names<T extends string>(name: OptionName): readonly T[] {
  const kind = optionRow(name).kind;
  return kind.type === 'enum' || kind.type === 'enumList' ? (kind.values as readonly T[]) : [];
}

/**
 * OTLP/HTTP: a base endpoint gets `v1/traces` appended; a signal endpoint is used as is.
 * An endpoint given in code wins over both variables.
 */
function tracesEndpoint(options: BatonOptions, env: NodeJS.ProcessEnv): string {
  const traces = optionRow('tracesEndpoint');
  const exactEnv = options.endpoint === undefined ? env : { ...env, [traces.env[0] as string]: undefined };
  const base = read('endpoint', options.endpoint, env, parseUrl, DEFAULT_ENDPOINT);
  const exact = read<string | undefined>('tracesEndpoint', options.tracesEndpoint, exactEnv, parseUrl, undefined);
  return exact ?? `${base}${base.endsWith('/') ? '' : '/'}v1/traces`;
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

/** The options object, without what is not an option (each such key reported, as a typo would be). */
function knownOptions(options: unknown): BatonOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    diagnose('config:options', `the options ${quote({ label: 'options', value: options, fromEnv: false })} are not an object; they are ignored`);
    return {};
  }
  const known = new Set<string>(OPTIONS.map((row) => row.name));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) diagnose(`config:options:${key}`, `${key} is not an option (known: ${[...known].join(', ')}); it is ignored`);
  }
  return options as BatonOptions;
}

/**
 * Resolve options, then environment, then defaults, once, by the table in src/options.ts.
 * A bad value, in code or in the environment, gets one diagnostic naming the option or
 * variable and quoting the value, and the default is used; this never throws.
 */
export function resolveConfig(given: BatonOptions = {}, env: NodeJS.ProcessEnv = process.env): BatonConfig {
  const options = knownOptions(given);
  // Options come from JavaScript callers too, so each value is checked, whatever its declared type.
  const o = options as Readonly<Record<keyof BatonOptions, unknown>>;
  const boolean = (name: OptionName, fallback: boolean) => read(name, o[name as keyof BatonOptions], env, parseBoolean, fallback);
  const number = (name: OptionName, fallback: number) => {
    const { min, max } = bounds(name);
    return read(name, o[name as keyof BatonOptions], env, (g) => parseNumber(g, min, max), fallback);
  };
  const keyValues = (name: OptionName, values: 'string' | 'attribute') => read(name, o[name as keyof BatonOptions], env, (g) => parseKeyValues(g, values), {});
  const fromEnv = (name: OptionName, values: 'string' | 'attribute') => read(name, undefined, env, (g) => parseKeyValues(g, values), {});

  const endpoint = tracesEndpoint(options, env);
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  // Code adds to the variable's headers; an empty value (an unset secret, say) is not sent.
  for (const [key, value] of Object.entries({ ...fromEnv('headers', 'string'), ...(options.headers === undefined ? {} : keyValues('headers', 'string')) })) {
    if (typeof value === 'string' && value.trim() !== '') headers[key] = value;
  }
  const resourceAttributes = { ...fromEnv('resourceAttributes', 'attribute'), ...(options.resourceAttributes === undefined ? {} : keyValues('resourceAttributes', 'attribute')) };

  return Object.freeze({
    enabled: boolean('enabled', true),
    serviceName: read<string | undefined>('serviceName', o.serviceName, env, parseString, undefined),
    resourceAttributes: Object.freeze(resourceAttributes) as Attributes,
    propagators: read<readonly PropagatorName[] | undefined>(
      'propagators',
      o.propagators,
      env,
      (g) => {
        const list = parseNameList(g, names<PropagatorName>('propagators'));
        return list instanceof Misfit || list.length > 0 ? list : undefined;
      },
      undefined,
    ),
    xrayEnvironmentAsParent: boolean('xrayEnvironmentAsParent', false),
    exporter: read<ExporterName | SpanExporter>('exporter', o.exporter, env, (g) => parseNameOrInstance<ExporterName, SpanExporter>(g, optionRow('exporter')), 'otlp'),
    tracesEndpoint: endpoint,
    headers: Object.freeze(headers),
    protocol: read<OtlpProtocol>('protocol', o.protocol, env, (g) => parseName(g, names<OtlpProtocol>('protocol')), 'http/protobuf'),
    exportWait: read<ExportWait>('exportWait', o.exportWait, env, (g) => parseName(g, names<ExportWait>('exportWait')), defaultExportWait(endpoint)),
    sampler: read<SamplerName | Sampler>('sampler', o.sampler, env, (g) => parseNameOrInstance<SamplerName, Sampler>(g, optionRow('sampler')), 'parentbased_always_on'),
    samplerArg: read<number | undefined>('samplerArg', o.samplerArg, env, (g) => parseNumber(g, bounds('samplerArg').min, bounds('samplerArg').max), undefined),
    flushTimeoutMs: number('flushTimeoutMs', DEFAULT_FLUSH_TIMEOUT_MS),
    timeoutMarginMs: number('timeoutMarginMs', DEFAULT_TIMEOUT_MARGIN_MS),
    payloadEnvelope: boolean('payloadEnvelope', true),
    sdkClients: boolean('sdkClients', true),
    logCorrelation: boolean('logCorrelation', true),
    redactQueryKeys: Object.freeze(read<readonly string[]>('redactQueryKeys', o.redactQueryKeys, env, parseStringList, [])),
    functionName: nonEmpty(env['AWS_LAMBDA_FUNCTION_NAME']),
  });
}
