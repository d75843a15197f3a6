import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { useDiagnostics } from '../support/diagnostics.js';

const diagnostics = useDiagnostics();

describe('exportWait', () => {
  it('defaults to sent for the collector extension on localhost', () => {
    expect(resolveConfig({}, {}).exportWait).toBe('sent');
    expect(diagnostics).toEqual([]);
  });

  it('defaults to sent for any loopback endpoint, and to response for any other host', () => {
    const waitFor = (endpoint: string) => resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).exportWait;
    expect(waitFor('http://127.0.0.1:4318')).toBe('sent');
    expect(waitFor('http://127.8.9.10:4318')).toBe('sent');
    expect(waitFor('http://[::1]:4318')).toBe('sent');
    expect(waitFor('http://LOCALHOST:4318')).toBe('sent');
    expect(waitFor('https://otlp.example.com')).toBe('response');
    expect(waitFor('http://10.0.0.7:4318')).toBe('response');
    expect(waitFor('http://127.0.0.1.example.com:4318')).toBe('response');
    expect(resolveConfig({ tracesEndpoint: 'https://otlp.example.com/v1/traces', exportWait: 'sent' }, {}).exportWait).toBe('sent');
  });

  it('reads BATON_EXPORT_WAIT, whatever its case and spacing', () => {
    expect(resolveConfig({}, { BATON_EXPORT_WAIT: ' Response ' }).exportWait).toBe('response');
    expect(resolveConfig({}, { BATON_EXPORT_WAIT: 'sent' }).exportWait).toBe('sent');
    expect(diagnostics).toEqual([]);
  });

  it('lets the option in code win over the environment', () => {
    expect(resolveConfig({ exportWait: 'response' }, { BATON_EXPORT_WAIT: 'sent' }).exportWait).toBe('response');
  });

  it('reports an invalid BATON_EXPORT_WAIT once and uses the default', () => {
    expect(resolveConfig({}, { BATON_EXPORT_WAIT: 'later' }).exportWait).toBe('sent');
    expect(resolveConfig({}, { BATON_EXPORT_WAIT: 'later' }).exportWait).toBe('sent');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain('BATON_EXPORT_WAIT="later"');
    expect(diagnostics[0]).toContain('sent, response');
  });
});
