/**
 * Every option, in code and in the environment, with values that do not fit: one diagnostic
 * naming the option (or the variable) as written and quoting the value given, and the default.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { BatonConfig, BatonOptions } from '../../src/config.js';
import { resetDiagnostics } from '../../src/diagnostics.js';
import { useDiagnostics } from '../support/diagnostics.js';

const diagnostics = useDiagnostics();

const PROPAGATORS = 'tracecontext, baggage, b3, b3multi, xray, xray-lambda, datadog, none';
const SAMPLERS = 'always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio';

interface Case {
  options?: Record<string, unknown>;
  env?: Record<string, string>;
  line: string;
  key: keyof BatonConfig;
  used: unknown;
}

/** Cases in code; each has its environment twin below, with the same value as text. */
const inCode: Case[] = [
  { options: { exporter: 'zipkin' }, line: 'exporter="zipkin" is not one of otlp, console, none or a SpanExporter; using "otlp"', key: 'exporter', used: 'otlp' },
  { options: { exporter: { shutdown() {} } }, line: 'exporter={} is not one of otlp, console, none or a SpanExporter; using "otlp"', key: 'exporter', used: 'otlp' },
  { options: { protocol: 'grpc' }, line: 'protocol="grpc" is not one of http/protobuf, http/json; using "http/protobuf"', key: 'protocol', used: 'http/protobuf' },
  { options: { exportWait: 'never' }, line: 'exportWait="never" is not one of sent, response; using "sent"', key: 'exportWait', used: 'sent' },
  { options: { sampler: 'bogus' }, line: `sampler="bogus" is not one of ${SAMPLERS} or a Sampler; using "parentbased_always_on"`, key: 'sampler', used: 'parentbased_always_on' },
  { options: { propagators: ['bogus'] }, line: `propagators=["bogus"]: "bogus" is not one of ${PROPAGATORS}; it is ignored`, key: 'propagators', used: undefined },
  { options: { propagators: 'b3' }, line: `propagators="b3" is not a list of ${PROPAGATORS.replace(/, /g, ', ')}; using the defaults`, key: 'propagators', used: undefined },
  { options: { serviceName: 42 }, line: 'serviceName=42 is not a non-empty string; using the function name', key: 'serviceName', used: undefined },
  { options: { serviceName: '  ' }, line: 'serviceName="  " is not a non-empty string; using the function name', key: 'serviceName', used: undefined },
  { options: { enabled: 'false' }, line: 'enabled="false" is not true or false; using true', key: 'enabled', used: true },
  { options: { xrayEnvironmentAsParent: 1 }, line: 'xrayEnvironmentAsParent=1 is not true or false; using false', key: 'xrayEnvironmentAsParent', used: false },
  { options: { payloadEnvelope: null }, line: 'payloadEnvelope=null is not true or false; using true', key: 'payloadEnvelope', used: true },
  { options: { sdkClients: 'no' }, line: 'sdkClients="no" is not true or false; using true', key: 'sdkClients', used: true },
  { options: { logCorrelation: [] }, line: 'logCorrelation=[] is not true or false; using true', key: 'logCorrelation', used: true },
  { options: { endpoint: 'ftp://collector:21' }, line: 'endpoint="ftp://collector:21" is not an http:// or https:// URL; using "http://localhost:4318"', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { options: { endpoint: 'collector' }, line: 'endpoint="collector" has no scheme and no port; using "http://localhost:4318"', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { options: { endpoint: 'http://' }, line: 'endpoint="http://" is not a URL; using "http://localhost:4318"', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { options: { tracesEndpoint: 'file:///tmp/spans' }, line: 'tracesEndpoint="file:///tmp/spans" is not an http:// or https:// URL; using the endpoint', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { options: { samplerArg: 5 }, line: 'samplerArg=5 is not a number from 0 to 1; using 1', key: 'samplerArg', used: undefined },
  { options: { samplerArg: -0.1 }, line: 'samplerArg=-0.1 is not a number from 0 to 1; using 1', key: 'samplerArg', used: undefined },
  { options: { samplerArg: '0.5' }, line: 'samplerArg="0.5" is not a number from 0 to 1; using 1', key: 'samplerArg', used: undefined },
  { options: { flushTimeoutMs: Infinity }, line: 'flushTimeoutMs=Infinity is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { options: { flushTimeoutMs: NaN }, line: 'flushTimeoutMs=NaN is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { options: { flushTimeoutMs: -3 }, line: 'flushTimeoutMs=-3 is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { options: { flushTimeoutMs: 0 }, line: 'flushTimeoutMs=0 is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { options: { flushTimeoutMs: 2 ** 31 }, line: 'flushTimeoutMs=2147483648 is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { options: { timeoutMarginMs: NaN }, line: 'timeoutMarginMs=NaN is not a number from 0 to 30000; using 100', key: 'timeoutMarginMs', used: 100 },
  { options: { timeoutMarginMs: 1e12 }, line: 'timeoutMarginMs=1000000000000 is not a number from 0 to 30000; using 100', key: 'timeoutMarginMs', used: 100 },
  { options: { timeoutMarginMs: -1 }, line: 'timeoutMarginMs=-1 is not a number from 0 to 30000; using 100', key: 'timeoutMarginMs', used: 100 },
  { options: { redactQueryKeys: 'token' }, line: 'redactQueryKeys="token" is not a list of strings; using the built-in list alone', key: 'redactQueryKeys', used: [] },
  { options: { headers: 'authorization=Bearer t0k3n' }, line: 'headers=(a string, not shown) is not an object; using none', key: 'headers', used: {} },
  { options: { resourceAttributes: ['a'] }, line: 'resourceAttributes=["a"] is not an object; using none', key: 'resourceAttributes', used: {} },
];

/** The environment's twins: the variable named, its text quoted as it was set. */
const inEnv: Case[] = [
  { env: { OTEL_TRACES_EXPORTER: 'zipkin' }, line: 'OTEL_TRACES_EXPORTER="zipkin" is not one of otlp, console, none or a SpanExporter; using "otlp"', key: 'exporter', used: 'otlp' },
  { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, line: 'OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not one of http/protobuf, http/json; using "http/protobuf"', key: 'protocol', used: 'http/protobuf' },
  { env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, line: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc" is not one of http/protobuf, http/json; using "http/protobuf"', key: 'protocol', used: 'http/protobuf' },
  { env: { BATON_EXPORT_WAIT: 'never' }, line: 'BATON_EXPORT_WAIT="never" is not one of sent, response; using "sent"', key: 'exportWait', used: 'sent' },
  { env: { OTEL_TRACES_SAMPLER: 'bogus' }, line: `OTEL_TRACES_SAMPLER="bogus" is not one of ${SAMPLERS} or a Sampler; using "parentbased_always_on"`, key: 'sampler', used: 'parentbased_always_on' },
  { env: { OTEL_PROPAGATORS: 'bogus' }, line: `OTEL_PROPAGATORS="bogus": "bogus" is not one of ${PROPAGATORS}; it is ignored`, key: 'propagators', used: undefined },
  { env: { BATON_ENABLED: 'nope' }, line: 'BATON_ENABLED="nope" is not true or false; using true', key: 'enabled', used: true },
  { env: { BATON_XRAY_PARENT: '2' }, line: 'BATON_XRAY_PARENT="2" is not true or false; using false', key: 'xrayEnvironmentAsParent', used: false },
  { env: { BATON_PAYLOAD_ENVELOPE: 'maybe' }, line: 'BATON_PAYLOAD_ENVELOPE="maybe" is not true or false; using true', key: 'payloadEnvelope', used: true },
  { env: { BATON_SDK_CLIENTS: 'nein' }, line: 'BATON_SDK_CLIENTS="nein" is not true or false; using true', key: 'sdkClients', used: true },
  { env: { BATON_LAMBDA_CLIENTS: 'nein' }, line: 'BATON_LAMBDA_CLIENTS="nein" is not true or false; using true', key: 'sdkClients', used: true },
  { env: { BATON_LOG_CORRELATION: 'y' }, line: 'BATON_LOG_CORRELATION="y" is not true or false; using true', key: 'logCorrelation', used: true },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector:21' }, line: 'OTEL_EXPORTER_OTLP_ENDPOINT="ftp://collector:21" is not an http:// or https:// URL; using "http://localhost:4318"', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' }, line: 'OTEL_EXPORTER_OTLP_ENDPOINT="collector" has no scheme and no port; using "http://localhost:4318"', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://c:21/v1/traces' }, line: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://c:21/v1/traces" is not an http:// or https:// URL; using the endpoint', key: 'tracesEndpoint', used: 'http://localhost:4318/v1/traces' },
  { env: { OTEL_TRACES_SAMPLER_ARG: 'abc' }, line: 'OTEL_TRACES_SAMPLER_ARG="abc" is not a number from 0 to 1; using 1', key: 'samplerArg', used: undefined },
  { env: { OTEL_TRACES_SAMPLER_ARG: '5' }, line: 'OTEL_TRACES_SAMPLER_ARG="5" is not a number from 0 to 1; using 1', key: 'samplerArg', used: undefined },
  { env: { BATON_FLUSH_TIMEOUT_MS: 'Infinity' }, line: 'BATON_FLUSH_TIMEOUT_MS="Infinity" is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { env: { BATON_FLUSH_TIMEOUT_MS: 'NaN' }, line: 'BATON_FLUSH_TIMEOUT_MS="NaN" is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { env: { BATON_FLUSH_TIMEOUT_MS: '-3' }, line: 'BATON_FLUSH_TIMEOUT_MS="-3" is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { env: { BATON_FLUSH_TIMEOUT_MS: '1e10' }, line: 'BATON_FLUSH_TIMEOUT_MS="1e10" is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { env: { BATON_FLUSH_TIMEOUT_MS: '500ms' }, line: 'BATON_FLUSH_TIMEOUT_MS="500ms" is not a number from 1 to 30000; using 500', key: 'flushTimeoutMs', used: 500 },
  { env: { BATON_TIMEOUT_MARGIN_MS: 'NaN' }, line: 'BATON_TIMEOUT_MARGIN_MS="NaN" is not a number from 0 to 30000; using 100', key: 'timeoutMarginMs', used: 100 },
  { env: { BATON_TIMEOUT_MARGIN_MS: '99999999' }, line: 'BATON_TIMEOUT_MARGIN_MS="99999999" is not a number from 0 to 30000; using 100', key: 'timeoutMarginMs', used: 100 },
];

describe('a value that does not fit', () => {
  it.each([...inCode, ...inEnv].map((c) => [c.line, c] as const))('%s', (_line, c) => {
    const config = resolveConfig((c.options ?? {}) as BatonOptions, c.env ?? {});
    expect(diagnostics).toEqual([`[lambda-baton] ${c.line}`]);
    expect(config[c.key]).toEqual(c.used);
  });

  it('names a key that is not an option, as a typo in JavaScript would be', () => {
    const config = resolveConfig({ flushTimeout: 100 } as BatonOptions, {});
    expect(config.flushTimeoutMs).toBe(500);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^\[lambda-baton\] flushTimeout is not an option \(known: enabled, serviceName, .*, redactQueryKeys\); it is ignored$/);
  });

  it('takes options that are not an object as none, saying so', () => {
    expect(resolveConfig(null as unknown as BatonOptions, { BATON_FLUSH_TIMEOUT_MS: '900' }).flushTimeoutMs).toBe(900);
    expect(diagnostics).toEqual(['[lambda-baton] the options null are not an object; they are ignored']);
  });

  it('is reported once per process, however often the configuration is read', () => {
    resolveConfig({ flushTimeoutMs: -3 }, {});
    resolveConfig({ flushTimeoutMs: -3 }, {});
    expect(diagnostics).toHaveLength(1);
  });

  it('in code uses the default, not the environment', () => {
    expect(resolveConfig({ flushTimeoutMs: Infinity }, { BATON_FLUSH_TIMEOUT_MS: '900' }).flushTimeoutMs).toBe(500);
  });

  it('never throws, whatever the options hold', () => {
    const anyValue = fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true });
    const names = ['enabled', 'serviceName', 'resourceAttributes', 'exporter', 'endpoint', 'tracesEndpoint', 'headers', 'protocol', 'exportWait', 'sampler', 'samplerArg', 'propagators', 'xrayEnvironmentAsParent', 'flushTimeoutMs', 'timeoutMarginMs', 'payloadEnvelope', 'sdkClients', 'logCorrelation', 'redactQueryKeys'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), anyValue), fc.dictionary(fc.constantFrom('OTEL_TRACES_SAMPLER_ARG', 'BATON_FLUSH_TIMEOUT_MS', 'OTEL_PROPAGATORS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS', 'BATON_SDK_CLIENTS'), fc.string()), (options, env) => {
        const config = resolveConfig(options as BatonOptions, env);
        expect(Number.isFinite(config.flushTimeoutMs) && config.flushTimeoutMs >= 1 && config.flushTimeoutMs <= 30_000).toBe(true);
        expect(Number.isFinite(config.timeoutMarginMs)).toBe(true);
        expect(['http:', 'https:']).toContain(new URL(config.tracesEndpoint).protocol);
      }),
      { numRuns: 300 },
    );
  });
});

describe('values that fit', () => {
  it('are taken without a word, in code and in the environment', () => {
    const fromCode = resolveConfig({ flushTimeoutMs: 30_000, timeoutMarginMs: 0, samplerArg: 0, enabled: false, serviceName: ' orders ' }, {});
    expect(fromCode).toMatchObject({ flushTimeoutMs: 30_000, timeoutMarginMs: 0, samplerArg: 0, enabled: false, serviceName: 'orders' });
    const fromEnv = resolveConfig({}, { BATON_FLUSH_TIMEOUT_MS: ' 1 ', BATON_TIMEOUT_MARGIN_MS: '30000', OTEL_TRACES_SAMPLER_ARG: '1', BATON_ENABLED: 'OFF', OTEL_TRACES_EXPORTER: 'Console' });
    expect(fromEnv).toMatchObject({ flushTimeoutMs: 1, timeoutMarginMs: 30_000, samplerArg: 1, enabled: false, exporter: 'console' });
    expect(diagnostics).toEqual([]);
  });

  it('take an empty variable as unset', () => {
    expect(resolveConfig({}, { BATON_FLUSH_TIMEOUT_MS: '', OTEL_TRACES_SAMPLER_ARG: '  ', OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toMatchObject({ flushTimeoutMs: 500, samplerArg: undefined, tracesEndpoint: 'http://localhost:4318/v1/traces' });
    expect(diagnostics).toEqual([]);
  });

  it('take an exporter or sampler instance given in code', () => {
    const exporter = { export() {}, shutdown: async () => {} };
    const sampler = { shouldSample: () => ({ decision: 1 }), toString: () => 'mine' };
    const config = resolveConfig({ exporter: exporter as never, sampler: sampler as never }, {});
    expect(config.exporter).toBe(exporter);
    expect(config.sampler).toBe(sampler);
    expect(diagnostics).toEqual([]);
  });

  it('skip an unknown propagator and keep the known ones, in order', () => {
    expect(resolveConfig({ propagators: ['bogus', 'b3', 'tracecontext'] as never }, {}).propagators).toEqual(['b3', 'tracecontext']);
    expect(diagnostics).toEqual([`[lambda-baton] propagators=["bogus","b3","tracecontext"]: "bogus" is not one of ${PROPAGATORS}; it is ignored`]);
  });
});

describe('endpoints', () => {
  it('take an endpoint typed without a scheme as http:// when it names a port, saying so', () => {
    expect(resolveConfig({ endpoint: 'localhost:4318' }, {}).tracesEndpoint).toBe('http://localhost:4318/v1/traces');
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318' }).tracesEndpoint).toBe('http://127.0.0.1:4318/v1/traces');
    expect(resolveConfig({ tracesEndpoint: 'collector.internal:55681/v1/traces' }, {}).tracesEndpoint).toBe('http://collector.internal:55681/v1/traces');
    expect(diagnostics).toEqual([
      '[lambda-baton] endpoint="localhost:4318" has no scheme; using "http://localhost:4318"',
      '[lambda-baton] OTEL_EXPORTER_OTLP_ENDPOINT="127.0.0.1:4318" has no scheme; using "http://127.0.0.1:4318"',
      '[lambda-baton] tracesEndpoint="collector.internal:55681/v1/traces" has no scheme; using "http://collector.internal:55681/v1/traces"',
    ]);
  });

  it('send to a port only when the URL or its scheme names it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.domain(), fc.string(), fc.tuple(fc.domain(), fc.integer({ min: 0, max: 70_000 })).map(([h, p]) => `${h}:${p}`)), (endpoint) => {
        resetDiagnostics();
        const url = new URL(resolveConfig({ endpoint }, {}).tracesEndpoint);
        expect(['http:', 'https:']).toContain(url.protocol);
        const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
        const named = url.href === 'http://localhost:4318/v1/traces' || endpoint.includes(`:${port}`) || new RegExp(`^${url.protocol}//`, 'i').test(endpoint.trim());
        expect(named, `${endpoint} → ${url.href}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('let an endpoint in code win over both variables', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/x' };
    expect(resolveConfig({ endpoint: 'http://c:4318' }, env).tracesEndpoint).toBe('http://c:4318/v1/traces');
    expect(resolveConfig({}, env).tracesEndpoint).toBe('http://b:4318/x');
  });
});

describe('options other parts read', () => {
  it('sdkClients: BATON_SDK_CLIENTS, else the former BATON_LAMBDA_CLIENTS, else true', () => {
    expect(resolveConfig({}, {}).sdkClients).toBe(true);
    expect(resolveConfig({}, { BATON_LAMBDA_CLIENTS: 'false' }).sdkClients).toBe(false);
    expect(resolveConfig({}, { BATON_SDK_CLIENTS: 'true', BATON_LAMBDA_CLIENTS: 'false' }).sdkClients).toBe(true);
    expect(resolveConfig({ sdkClients: false }, { BATON_SDK_CLIENTS: 'true' }).sdkClients).toBe(false);
  });

  it('logCorrelation: BATON_LOG_CORRELATION, else true', () => {
    expect(resolveConfig({}, {}).logCorrelation).toBe(true);
    expect(resolveConfig({}, { BATON_LOG_CORRELATION: 'false' }).logCorrelation).toBe(false);
  });

  it('redactQueryKeys: a comma list, or an array in code', () => {
    expect(resolveConfig({}, {}).redactQueryKeys).toEqual([]);
    expect(resolveConfig({}, { BATON_REDACT_QUERY_KEYS: ' session , ,ticket' }).redactQueryKeys).toEqual(['session', 'ticket']);
    expect(resolveConfig({ redactQueryKeys: ['session'] }, { BATON_REDACT_QUERY_KEYS: 'ticket' }).redactQueryKeys).toEqual(['session']);
  });

  it('headers: the variable and the option together, without any empty value', () => {
    const config = resolveConfig({ headers: { 'x-api-key': '', 'x-team': 'orders' } }, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t,x-empty=' });
    expect(config.headers).toEqual({ authorization: 'Bearer t', 'x-team': 'orders' });
    expect(diagnostics).toEqual([]);
  });

  it('headers and attributes: an entry that is not a string (or an attribute value) is skipped, saying so', () => {
    const config = resolveConfig({ headers: { a: 3 as never, b: 'x' }, resourceAttributes: { team: 'orders', nested: {} as never } }, {});
    expect(config.headers).toEqual({ b: 'x' });
    expect(config.resourceAttributes).toEqual({ team: 'orders' });
    expect(diagnostics).toEqual(['[lambda-baton] headers.a is not a string; it is ignored', '[lambda-baton] resourceAttributes.nested={} is not an attribute value; it is ignored']);
  });

  it('never quote a header value, which may be a secret', () => {
    resolveConfig({ headers: { authorization: 12345678 as never } }, { OTEL_EXPORTER_OTLP_HEADERS: 'Bearer s3cr3t,x-team=orders' });
    expect(diagnostics).toEqual(['[lambda-baton] OTEL_EXPORTER_OTLP_HEADERS has an entry without a key; it is ignored', '[lambda-baton] headers.authorization is not a string; it is ignored']);
  });

  it('cut a long value to one short line', () => {
    resolveConfig({ serviceName: ['x'.repeat(1000)] as never }, {});
    expect(diagnostics[0]?.length).toBeLessThan(300);
    expect(diagnostics[0]).toMatch(/^\[lambda-baton\] serviceName=\["x+… is not a non-empty string; using the function name$/);
  });
});
