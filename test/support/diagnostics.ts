import { afterEach, beforeEach } from 'vitest';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';

/**
 * For a test file: the diagnostic lines written during each test, from a fresh start (every
 * diagnostic reportable again). After each test the sink writes to the console again.
 */
export function useDiagnostics(): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    resetDiagnostics();
    setDiagnosticSink((line) => lines.push(line));
  });
  afterEach(() => {
    setDiagnosticSink((line) => console.warn(line));
    resetDiagnostics();
  });
  return lines;
}
