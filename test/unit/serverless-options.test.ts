/**
 * The Serverless plugin's options: the schema made from the one table, the plugin's own
 * check of it (bounds included), and the variables it sets, which the layer must read back
 * as the same configuration the options would give in code.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { BatonOptions } from '../../src/config.js';
import { resetDiagnostics } from '../../src/diagnostics.js';
import { OPTIONS } from '../../src/options.js';
import type { OptionRow } from '../../src/options.js';
import { OPTIONS_SCHEMA, environmentFor, validateOptions } from '../../src/serverless/options.js';
import type { BatonPluginOptions } from '../../src/serverless/options.js';
import { useDiagnostics } from '../support/diagnostics.js';

const diagnostics = useDiagnostics();

describe('the plugin checks options against the schema', () => {
  it.each([
    [{ samplerArg: 5 }, 'custom.baton.samplerArg must be at most 1 (got 5)'],
    [{ samplerArg: -1 }, 'custom.baton.samplerArg must be at least 0 (got -1)'],
    [{ flushTimeoutMs: -3 }, 'custom.baton.flushTimeoutMs must be at least 1 (got -3)'],
    [{ flushTimeoutMs: 60_000 }, 'custom.baton.flushTimeoutMs must be at most 30000 (got 60000)'],
    [{ timeoutMarginMs: 1e9 }, 'custom.baton.timeoutMarginMs must be at most 30000 (got 1000000000)'],
    [{ flushTimeoutMs: '500' }, 'custom.baton.flushTimeoutMs must be a number'],
    [{ exporter: 'zipkin' }, 'custom.baton.exporter must be one of otlp, console, none (got "zipkin")'],
    [{ propagators: ['tracecontext', 'jaeger'] }, 'custom.baton.propagators[1] must be one of tracecontext, baggage, b3, b3multi, xray, xray-lambda, datadog, none (got "jaeger")'],
    [{ endpoint: 'localhost:4318' }, 'custom.baton.endpoint "localhost:4318" does not match ^https?://'],
    [{ tracesEndpoint: 'ftp://c/v1/traces' }, 'custom.baton.tracesEndpoint "ftp://c/v1/traces" does not match ^https?://'],
    [{ xrayEnvironmentAsParent: 'yes' }, 'custom.baton.xrayEnvironmentAsParent must be true or false'],
    [{ resourceAttributes: { team: { name: 'x' } } }, 'custom.baton.resourceAttributes.team must be string or number or boolean'],
    [{ headers: { 'x-api-key': 3 } }, 'custom.baton.headers.x-api-key must be a string'],
    [{ redactQueryKeys: 'token' }, 'custom.baton.redactQueryKeys must be a list'],
    [{ serviceName: '' }, 'custom.baton.serviceName must not be empty'],
    [{ samplr: 'always_on' }, `custom.baton.samplr is not an option (known: ${Object.keys(OPTIONS_SCHEMA.properties).join(', ')})`],
  ])('rejects %j', (options, problem) => {
    expect(validateOptions('custom.baton', options)).toEqual([problem]);
  });

  it('rejects what is not an object', () => {
    expect(validateOptions('functions.api.baton', 'yes')).toEqual(['functions.api.baton must be an object']);
    expect(validateOptions('functions.api.baton', [])).toEqual(['functions.api.baton must be an object']);
  });

  it('accepts every library option an environment variable can carry', () => {
    const options: BatonPluginOptions = {
      resourceAttributes: { team: 'orders', tier: 2, public: false },
      tracesEndpoint: 'https://otlp.example.com/v1/traces',
      timeoutMarginMs: 250,
      xrayEnvironmentAsParent: true,
      exporter: 'console',
      flushTimeoutMs: 30_000,
      samplerArg: 0,
      logCorrelation: false,
      redactQueryKeys: ['session'],
    };
    expect(validateOptions('custom.baton', options)).toEqual([]);
    expect(environmentFor(options)).toEqual({
      OTEL_RESOURCE_ATTRIBUTES: 'team=orders,tier=2,public=false',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/v1/traces',
      BATON_TIMEOUT_MARGIN_MS: '250',
      BATON_XRAY_PARENT: 'true',
      OTEL_TRACES_EXPORTER: 'console',
      BATON_FLUSH_TIMEOUT_MS: '30000',
      OTEL_TRACES_SAMPLER_ARG: '0',
      BATON_LOG_CORRELATION: 'false',
      BATON_REDACT_QUERY_KEYS: 'session',
    });
  });
});

describe('the variables the plugin sets', () => {
  it('sets BATON_SDK_CLIENTS from sdkClients, or from its former name lambdaClient', () => {
    expect(environmentFor({ lambdaClient: false })).toEqual({ BATON_SDK_CLIENTS: 'false' });
    expect(environmentFor({ sdkClients: true, lambdaClient: false })).toEqual({ BATON_SDK_CLIENTS: 'true' });
    expect(validateOptions('custom.baton', { lambdaClient: true })).toEqual([]);
  });

  it('sets the general OTLP protocol variable, so that a function can still set its own', () => {
    expect(environmentFor({ protocol: 'http/json' })).toEqual({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  });

  it('does not send a header whose value is empty', () => {
    expect(environmentFor({ headers: { 'x-api-key': '', 'x-team': 'a b' } })).toEqual({ OTEL_EXPORTER_OTLP_HEADERS: 'x-team=a%20b' });
    expect(environmentFor({ headers: { 'x-api-key': '' } })).toEqual({});
  });

  it('carry to the layer the configuration the same options give in code', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,11}$/);
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '' && !s.includes(','));
    const arbitraryFor = (row: OptionRow): fc.Arbitrary<unknown> => {
      const { kind } = row;
      switch (kind.type) {
        case 'boolean':
          return fc.boolean();
        case 'number':
          return fc.double({ min: kind.min, max: kind.max, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n));
        case 'string':
          return text;
        case 'url':
          return fc.webUrl({ validSchemes: ['http', 'https'] });
        case 'enum':
          return fc.constantFrom(...kind.values);
        case 'enumList':
          return fc.array(fc.constantFrom(...kind.values), { maxLength: 4 });
        case 'stringList':
          return fc.array(text, { maxLength: 3 });
        case 'keyValue':
          return fc.dictionary(token, fc.string({ maxLength: 8 }), { maxKeys: 3 });
      }
    };
    const rows = (OPTIONS as readonly OptionRow[]).filter((row) => row.plugin && row.name !== 'enabled');
    const record = Object.fromEntries(rows.map((row) => [row.name, arbitraryFor(row)]));
    fc.assert(
      fc.property(fc.record(record, { requiredKeys: [] }), (options) => {
        resetDiagnostics();
        expect(validateOptions('custom.baton', options)).toEqual([]);
        const inCode = resolveConfig(options as BatonOptions, {});
        const viaPlugin = resolveConfig({}, environmentFor(options as BatonPluginOptions));
        expect(viaPlugin).toEqual(inCode);
      }),
      { numRuns: 150 },
    );
    expect(diagnostics).toEqual([]);
  });
});

describe("the README's plugin example", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### 4. The Serverless Framework plugin'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  // The parser the Serverless Framework itself uses (osls lib/configuration/read.js).
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

  it('is valid YAML as written', () => {
    expect(block).toContain('custom:');
    expect(() => yaml.load(block)).not.toThrow();
  });

  it('passes the plugin’s check, and sends no header when COLLECTOR_KEY is unset', () => {
    // `${env:COLLECTOR_KEY, ''}` with the variable unset resolves to its fallback, the empty string.
    const service = yaml.load(block.replace(/\$\{env:COLLECTOR_KEY, ''\}/g, "''")) as { custom: { baton: BatonPluginOptions }; functions: Record<string, { baton?: unknown }> };
    expect(validateOptions('custom.baton', service.custom.baton)).toEqual([]);
    const env = environmentFor(service.custom.baton);
    expect(env).not.toHaveProperty('OTEL_EXPORTER_OTLP_HEADERS');
    expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318', BATON_SDK_CLIENTS: 'true' });
    expect(service.functions['legacy']?.baton).toBe(false);
  });
});
