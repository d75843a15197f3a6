import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';

const diagnostics: string[] = [];
beforeEach(() => {
  diagnostics.length = 0;
  resetDiagnostics();
  setDiagnosticSink((line) => diagnostics.push(line));
});
afterEach(() => resetDiagnostics());

describe('exportWait', () => {
  it('defaults to sent', () => {
    expect(resolveConfig({}, {}).exportWait).toBe('sent');
    expect(diagnostics).toEqual([]);
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
