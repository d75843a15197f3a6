import type { BatonConfig } from '../config.js';
import { diagnose } from '../diagnostics.js';
import { activeSpanContext } from './fields.js';
import { callWithJsonIds, canSwapStringify } from './json.js';
import { textMessage } from './text.js';

type LogMethod = (message?: unknown, ...params: unknown[]) => void;
type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * aws-lambda-ric's levels (LogPatch.js): a method below `AWS_LAMBDA_LOG_LEVEL` is a no-op
 * there, and stays one here (no formatting for a line that is never written).
 * `console.log` is `console.info`.
 */
const PRIORITY: Readonly<Record<string, number>> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const METHODS: readonly (readonly [Method, number])[] = [
  ['trace', 1],
  ['debug', 2],
  ['info', 3],
  ['warn', 4],
  ['error', 5],
  // Added by the runtime (LogPatch.js), beside Node's own methods.
  ['fatal', 6],
];

/** Process state on a global symbol: the package may be loaded twice (ESM and CommonJS builds, the layer's bundle). */
const INSTALLED = Symbol.for('lambda-baton.logs.installed');
const WRAPPER = Symbol.for('lambda-baton.logs.wrapper');

export type LogFormat = 'text' | 'json';

/** The runtime's console, patched by aws-lambda-ric: only it has `console.fatal` (Node's console has none). */
function isRuntimeConsole(): boolean {
  return typeof (console as unknown as { fatal?: unknown }).fatal === 'function';
}

function wrap(original: LogMethod, format: LogFormat): LogMethod {
  const wrapped =
    format === 'json'
      ? function (this: unknown, ...args: unknown[]): void {
          const spanContext = activeSpanContext();
          if (spanContext === undefined) return original.apply(this, args);
          // The runtime formats and writes the line; only its record gains the ids.
          callWithJsonIds(spanContext, () => original.apply(this, args));
        }
      : function (this: unknown, ...args: unknown[]): void {
          const spanContext = activeSpanContext();
          const line = spanContext === undefined ? undefined : textMessage(spanContext, args);
          if (line === undefined) return original.apply(this, args);
          // One pre-formatted string: the runtime adds time, request id and level, and writes it.
          original.call(this, line);
        };
  Object.defineProperty(wrapped, WRAPPER, { value: original });
  return wrapped;
}

/**
 * Give every console line written inside a span that span's `trace_id`, `span_id` and
 * `trace_flags`, in the runtime's own text or JSON format. Set up once per process, at cold
 * start, and only under Lambda's runtime (aws-lambda-ric's console); lines outside a span
 * (init) go through untouched.
 */
export function installLogCorrelation(config: BatonConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (!config.logCorrelation) return;
  const holder = globalThis as { [INSTALLED]?: boolean };
  if (holder[INSTALLED] === true) return;
  holder[INSTALLED] = true;
  try {
    if (!isRuntimeConsole()) return;
    // Read as the runtime reads them (LogPatch.js `_patchConsole`, `_patchConsoleWith`).
    const format: LogFormat = env['AWS_LAMBDA_LOG_FORMAT']?.toUpperCase() === 'JSON' ? 'json' : 'text';
    if (format === 'json' && !canSwapStringify()) {
      diagnose('logs:json', 'JSON.stringify cannot be replaced here, so JSON log lines are written without trace ids');
      return;
    }
    const threshold = PRIORITY[env['AWS_LAMBDA_LOG_LEVEL']?.toUpperCase() ?? ''] ?? 1;
    const target = console as unknown as Record<string, LogMethod | undefined>;
    const logIsInfo = target['log'] === target['info'];
    for (const [method, priority] of METHODS) {
      const current = target[method];
      if (priority < threshold || typeof current !== 'function' || WRAPPER in current) continue;
      target[method] = wrap(current, format);
    }
    const log = target['log'];
    if (logIsInfo) target['log'] = target['info'];
    // The runtime makes console.log console.info: a different console.log is the function's own,
    // set before we were. JSON lines leave its arguments as they are, so it is wrapped; a text line
    // would hand it one formatted string instead of its arguments, so it is left alone.
    else if (format === 'json' && PRIORITY['INFO']! >= threshold && typeof log === 'function' && !(WRAPPER in log)) target['log'] = wrap(log, format);
  } catch (error) {
    diagnose('logs', 'could not add trace ids to console lines; they are written without them', error);
  }
}
