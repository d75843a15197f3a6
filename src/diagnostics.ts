/**
 * One clear line per problem per process. Lambda bills and retains every log line, and an
 * exporter that is down would otherwise print on every invocation.
 */
const reported = new Set<string>();

/** The sink is replaceable so tests and `baton inspect` can capture diagnostics. */
let sink: (line: string) => void = (line) => {
  console.warn(line);
};

export function setDiagnosticSink(next: (line: string) => void): void {
  sink = next;
}

/** Report `message` once per `key`; later reports with the same key are dropped. */
export function diagnose(key: string, message: string, error?: unknown): void {
  if (reported.has(key)) return;
  reported.add(key);
  const detail = error === undefined ? '' : `: ${describe(error)}`;
  try {
    sink(`[lambda-baton] ${message}${detail}`);
  } catch {
    // A broken sink must not reach user code.
  }
}

/** Forget what was reported; for tests. */
export function resetDiagnostics(): void {
  reported.clear();
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
