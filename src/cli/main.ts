import { readFileSync } from 'node:fs';
import { setDiagnosticSink } from '../diagnostics.js';
import { inspectEvent } from '../inspect.js';
import type { LambdaContextLike } from '../triggers/index.js';

const USAGE = 'usage: baton inspect <event.json> [--context <context.json>] [--env KEY=VALUE]...';

const HELP = `${USAGE}
       baton --help | --version

baton inspect prints, as one JSON object, what lambda-baton makes of a Lambda event: the
trigger, the span name, the parent and links with the exact place each context was found,
the baggage and the span attributes. Only the variables given with --env apply (for
example --env OTEL_PROPAGATORS=b3,tracecontext or --env _X_AMZN_TRACE_ID=Root=...), never
the shell's. Exit 0 for any event; 2 for a missing or non-JSON file or a wrong argument.
`;

class UsageError extends Error {}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${what} ${path} is not JSON: ${(error as Error).message}`);
  }
}

function inspect(args: readonly string[]): string {
  let eventPath: string | undefined;
  let contextPath: string | undefined;
  const env: NodeJS.ProcessEnv = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--context') {
      contextPath = args[++i];
      if (contextPath === undefined || contextPath === '') throw new UsageError('--context expects a file');
    } else if (arg === '--env') {
      const pair = args[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${pair}"`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (eventPath === undefined && !arg.startsWith('--')) eventPath = arg;
    else throw new UsageError(`unexpected argument "${arg}". ${USAGE}`);
  }
  if (eventPath === undefined) throw new UsageError(USAGE);
  const event = readJson(eventPath, 'event');
  const context = contextPath === undefined ? {} : readJson(contextPath, 'context');
  const lambdaContext = (typeof context === 'object' && context !== null ? context : {}) as LambdaContextLike;
  // Only the variables given with --env apply, so a result does not depend on the shell it ran in.
  return JSON.stringify(inspectEvent(event, lambdaContext, env), null, 2);
}

/** Errors are one line each: JSON.parse quotes the input around the error, newlines included. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** `baton <command> ...`: returns the exit code. Separate from the entry point so tests can call it. */
export function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void, version: string): number {
  const diagnostics: string[] = [];
  setDiagnosticSink((line) => diagnostics.push(line));
  const [command, ...rest] = argv;
  if (argv.length === 1 && (command === '--help' || command === '-h' || command === 'help')) {
    out(HELP);
    return 0;
  }
  if (argv.length === 1 && (command === '--version' || command === '-v')) {
    out(`${version}\n`);
    return 0;
  }
  try {
    if (command !== 'inspect') throw new UsageError(USAGE);
    out(`${inspect(rest)}\n`);
    for (const line of diagnostics) err(`${oneLine(line)}\n`);
    return 0;
  } catch (error) {
    err(`baton: ${oneLine(error instanceof UsageError ? error.message : String(error))}\n`);
    return 2;
  }
}

