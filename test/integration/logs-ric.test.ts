/**
 * Trace ids on console lines, under AWS's own runtime interface client (aws-lambda-ric) and a Runtime API on
 * 127.0.0.1, in both of Lambda's log formats, on both of the RIC's outputs (stdout, and the telemetry log descriptor
 * Lambda gives it), compared with the spans a real OTLP receiver got. The layer's own case is in layer-ric.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/ensure-built.js';
import { loadEvent } from '../support/fixtures.js';
import { logLines } from '../support/log-lines.js';
import type { LogLine } from '../support/log-lines.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';
import { startRic } from '../support/run-ric.js';
import type { RicProcess } from '../support/run-ric.js';
import { startRuntimeApi } from '../support/runtime-api.js';
import type { RuntimeApi } from '../support/runtime-api.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const RIC_DIR = process.env.BATON_RIC_DIR ?? '/tmp/ric/node_modules/aws-lambda-ric';
const RIC_PRESENT = existsSync(RIC_DIR);
if (!RIC_PRESENT && process.env.CI) throw new Error(`aws-lambda-ric is missing at ${RIC_DIR}: run .ci/build-ric.sh`);
const suite = RIC_PRESENT ? describe : describe.skip;

const url = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

/**
 * Every kind of console call the issue names, logged once at init and once in the invocation with the same
 * values (one Error object, so one stack): the init lines are what the runtime writes without us.
 */
const LOG_ALL = `
const err = new Error('boom');
const circular = { name: 'c' };
circular.self = circular;
const throwingToJSON = { toJSON() { throw new Error('no json'); } };
const throwingGetter = { get bad() { throw new Error('no getter'); } };
const big = 'x'.repeat(1024 * 1024);
// A toJSON that serialises a record-shaped object itself, and one that logs.
const nestedStringify = { toJSON() { return { inner: JSON.stringify({ timestamp: 't', level: 'l', requestId: 'r', message: 'm' }) }; } };
const nestedLog = { toJSON() { console.log('nested line'); return 'n'; } };
function logAll() {
  console.log('format %s %d %j', 'str', 42, { j: 1 });
  console.info({ order: 'o-1', n: 1 });
  console.warn('several', 1, { a: [1, 2] });
  console.error(err);
  console.error('failed:', err);
  console.debug('debug line');
  console.trace('trace line');
  console.fatal('fatal line');
  console.log(circular);
  console.log(throwingToJSON);
  console.log(throwingGetter);
  console.log(Symbol('sym'));
  console.log(12345, 'non-string first');
  console.log(big);
  console.log();
  console.log(nestedStringify);
  console.log('%j', nestedLog);
}
`;
const LOG_ALL_COUNT = 18;

/** The handler body: every call, then lines after an await, in a timer, in a user's span and per record. */
const WORK = `async (event) => {
  logAll();
  await new Promise((r) => setImmediate(r));
  console.log('after await');
  await new Promise((r) => setTimeout(() => { console.log('in timer'); r(); }, 1));
  trace.getTracer('user').startActiveSpan('user span', (span) => { console.log('in user span'); span.end(); });
  // The two records at once: their lines interleave, each with its own record's ids.
  await Promise.all(event.Records.map((record, i) => withRecord(record, async () => {
    await new Promise((r) => setTimeout(r, 5 - i * 4));
    console.log('record ' + record.messageId);
    await new Promise((r) => setTimeout(r, 1 + i * 4));
    console.warn('record again ' + record.messageId);
  })));
  const previous = console.log;
  console.log = (...args) => previous('[mine]', ...args);
  console.log('replaced');
  console.log = (...args) => { process.stdout.write('own writer ' + args.join(' ') + '\\n'); };
  console.log('bypassing');
  console.log = previous;
  return 'ok';
}`;

const ENTRIES = {
  withTracing: `
import { trace } from ${url('node_modules/@opentelemetry/api/dist/index.mjs')};
import { withTracing, withRecord } from ${url('dist/index.js')};
${LOG_ALL}
logAll();
export const handler = withTracing(${WORK});
`,
  middy: `
import { trace } from ${url('node_modules/@opentelemetry/api/dist/index.mjs')};
import middy from ${url('node_modules/@middy/core/index.js')};
import { withRecord } from ${url('dist/index.js')};
import { traced } from ${url('dist/middy.js')};
${LOG_ALL}
logAll();
export const handler = traced(middy()).handler(${WORK});
`,
  // Two invocations at once in one process, as Lambda Managed Instances runs them; their lines interleave.
  concurrent: `
import { withTracing } from ${url('dist/index.js')};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const inner = withTracing(async (event) => {
  for (let i = 0; i < 3; i++) {
    await sleep(event.delays[i]);
    console.log('inner ' + event.n + ' step ' + i);
  }
  return event.n;
});
export const handler = async (_event, context) => {
  const as = (awsRequestId) => ({ awsRequestId, functionName: context.functionName, invokedFunctionArn: context.invokedFunctionArn, getRemainingTimeInMillis: () => context.getRemainingTimeInMillis() });
  const results = await Promise.all([inner({ n: 1, delays: [1, 12, 1] }, as('inv-1')), inner({ n: 2, delays: [6, 1, 12] }, as('inv-2'))]);
  process.stdout.write('own writer bypassing\\n');
  return results;
};
`,
  // Structured loggers write to stdout themselves: their lines carry the fields once, from logFields().
  structured: `
import pino from ${url('node_modules/pino/pino.js')};
import winston from ${url('node_modules/winston/lib/winston.js')};
import { LogFormatter, LogItem, Logger } from ${url('node_modules/@aws-lambda-powertools/logger/lib/esm/index.js')};
import { logFields, withTracing } from ${url('dist/index.js')};
const p = pino({ mixin: () => logFields() });
const w = winston.createLogger({
  format: winston.format.combine(winston.format((info) => Object.assign(info, logFields()))(), winston.format.json()),
  transports: [new winston.transports.Console()],
});
class TraceLogFormatter extends LogFormatter {
  formatAttributes(attributes, additional) {
    return new LogItem({ attributes: { level: attributes.logLevel, message: attributes.message, timestamp: this.formatTimestamp(attributes.timestamp), ...logFields() } }).addAttributes(additional);
  }
}
const t = new Logger({ serviceName: 'orders', logFormatter: new TraceLogFormatter() });
export const handler = withTracing(async () => {
  p.info('from pino');
  w.info('from winston');
  t.info('from powertools');
  console.log('from console');
  await new Promise((r) => setTimeout(r, 20));
  process.stdout.write('own writer bypassing\\n');
  return 'ok';
});
`,
  // JSON only: the runtime calls toJSON while it serialises a single object; a line logged from there is a line too.
  nested: `
import { withTracing } from ${url('dist/index.js')};
const nestedLog = { toJSON() { console.warn('nested line'); return 'n'; } };
export const handler = withTracing(async () => {
  console.info(nestedLog);
  console.info('after');
  process.stdout.write('own writer bypassing\\n');
  return 'ok';
});
`,
  // A JSON object frozen (as a hardened environment does) before lambda-baton sets up, or during an invocation.
  frozen: `
if (process.env.FREEZE === 'init') Object.freeze(JSON);
const { withTracing } = await import(${url('dist/index.js')});
export const handler = withTracing(async () => {
  console.info('before');
  if (process.env.FREEZE === 'invocation') Object.freeze(JSON);
  console.info({ after: 1 });
  process.stdout.write('own writer bypassing\\n');
  return 'ok';
});
`,
  // The function replaces console.log with its own before lambda-baton is set up (at its module's top).
  replacedFirst: `
const seen = [];
const runtimeLog = console.log;
console.log = (...args) => { seen.push(args); runtimeLog(...args); };
const { withTracing } = await import(${url('dist/index.js')});
export const handler = withTracing(async () => {
  console.log('mine %s', 'formatted', { n: 1 });
  console.info('info line');
  process.stdout.write('own writer bypassing\\n');
  return seen.map((args) => args.length);
});
`,
  // Each call of the event logged twice inside the invocation: through the runtime's own method (kept before
  // lambda-baton set up) and through console.info as the function sees it.
  pairs: `
const runtimeInfo = console.info;
import { withTracing } from ${url('dist/index.js')};
export const handler = withTracing(async (event) => {
  for (const args of event.calls) {
    runtimeInfo(...args);
    console.info(...args);
  }
  process.stdout.write('own writer bypassing\\n');
  return event.calls.length;
});
`,
};

let fixtures = '';
let receiver: OtlpReceiver;
const running: { api: RuntimeApi; ric: RicProcess }[] = [];

async function boot(entry: keyof typeof ENTRIES, env: Record<string, string>, telemetryLogFd: boolean) {
  const dir = await mkdtemp(join(fixtures, `${entry}-`));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'fn', private: true, type: 'module' }));
  await writeFile(join(dir, 'index.mjs'), ENTRIES[entry]);
  const api = await startRuntimeApi();
  const ric = await startRic({
    ricBin: RIC_DIR,
    taskRoot: dir,
    handler: 'index.handler',
    runtimeApi: api,
    telemetryLogFd,
    nodeArgs: ['--no-warnings'],
    env: { AWS_LAMBDA_RUNTIME_API: api.address, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'logs-test', ...env },
  });
  running.push({ api, ric });
  return { api, ric };
}

/** A batch of two SQS records from two different traces. */
function twoRecordBatch() {
  const event = loadEvent('sqs', 'batch-w3c');
  event.Records = event.Records.slice(0, 2);
  return event as { Records: { messageId: string; messageAttributes: { traceparent: { stringValue: string } } }[] };
}

function idsOf(span: ReceivedSpan) {
  // The W3C trace flags are the low byte of OTLP's span flags (sampled, and random for ids we made).
  return { traceId: span.traceId, spanId: span.spanId, flags: (span.flags & 0xff).toString(16).padStart(2, '0') };
}

/**
 * stdout is a pipe, written asynchronously: wait for the handler's last line (written straight to stdout, after
 * every console line) to have arrived.
 */
async function untilWritten(ric: RicProcess): Promise<void> {
  for (let i = 0; i < 500 && !ric.stdout().includes('own writer bypassing\n'); i++) await new Promise((r) => setTimeout(r, 10));
}

/** The 1 MB line, shortened for diffs (its length and both ends still compared). */
const short = (value: unknown): unknown => (typeof value === 'string' && value.length > 1000 ? `${value.slice(0, 20)}…${value.length}…${value.slice(-20)}` : value);

/** The message a line would have had without us: for JSON, the record without our fields and the per-line ones. */
function withoutIds(line: LogLine): unknown {
  if (line.record === undefined) return { level: line.level, message: short(line.message) };
  const { trace_id: _t, span_id: _s, trace_flags: _f, timestamp: _ts, requestId: _r, ...rest } = line.record;
  return { ...rest, message: short(rest.message) };
}

suite('trace ids on console lines under aws-lambda-ric', () => {
  beforeAll(async () => {
    await ensureBuilt();
    fixtures = await mkdtemp(join(tmpdir(), 'baton-logs-'));
    receiver = await startOtlpReceiver();
  });
  beforeEach(() => receiver.reset());
  afterEach(async () => {
    for (const { api, ric } of running.splice(0)) {
      await ric.stop();
      await api.close();
    }
  });
  afterAll(async () => {
    await receiver?.close();
    if (fixtures) await rm(fixtures, { recursive: true, force: true });
  });

  const cases = [
    { format: 'text', source: 'stdout' },
    { format: 'text', source: 'telemetry' },
    { format: 'json', source: 'stdout' },
    { format: 'json', source: 'telemetry' },
  ] as const;

  for (const { format, source } of cases) {
    it(`gives every line in the invocation its span's ids, ${format} format on ${source}, and leaves init lines as the runtime wrote them`, async () => {
      const { api, ric } = await boot('withTracing', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase() }, source === 'telemetry');
      const event = twoRecordBatch();
      const outcome = await api.invoke(event, { requestId: 'req-logs-1' });
      expect(outcome.error, ric.stderr()).toBeUndefined();
      const spans = await receiver.waitForSpans(4);
      await untilWritten(ric);
      const lines = logLines(ric, format, source);
      if (source === 'telemetry') expect(ric.stdout()).not.toMatch(/trace_id/);

      const batch = spans.find((s) => s.kind === 5 && s.parentSpanId === undefined);
      const user = spans.find((s) => s.name === 'user span');
      expect(batch, spans.map((s) => `${s.name} ${s.kind} ${s.parentSpanId}`).join(', ')).toBeDefined();
      expect(user?.parentSpanId).toBe(batch?.spanId);

      const init = lines.slice(0, LOG_ALL_COUNT);
      const inside = lines.slice(LOG_ALL_COUNT, 2 * LOG_ALL_COUNT);
      for (const line of init) expect(line.ids, line.raw.slice(0, 300)).toBeUndefined();
      // Same calls, same values: the line is the runtime's own, plus the ids.
      expect(inside.map(withoutIds)).toEqual(init.map(withoutIds));
      for (const line of inside) {
        expect(line.ids, line.raw.slice(0, 300)).toEqual(idsOf(batch!));
        expect(line.requestId).toBe('req-logs-1');
      }
      expect(inside.map((l) => l.level)).toEqual(['INFO', 'INFO', 'WARN', 'ERROR', 'ERROR', 'DEBUG', 'TRACE', 'FATAL', ...Array(10).fill('INFO')]);
      // The user's own JSON.stringify inside a toJSON is left alone.
      if (format === 'json') expect(inside[15]?.message).toEqual({ inner: '{"timestamp":"t","level":"l","requestId":"r","message":"m"}' });

      const byMessage = (text: string) => lines.filter((l) => typeof l.message === 'string' && l.message.includes(text));
      expect(byMessage('after await').map((l) => l.ids)).toEqual([idsOf(batch!)]);
      expect(byMessage('in timer').map((l) => l.ids)).toEqual([idsOf(batch!)]);
      expect(byMessage('in user span').map((l) => l.ids)).toEqual([idsOf(user!)]);
      for (const record of event.Records) {
        const [, traceId, parentId] = record.messageAttributes.traceparent.stringValue.split('-');
        const span = spans.find((s) => s.traceId === traceId && s.parentSpanId === parentId);
        expect(span, `record span of ${record.messageId}`).toBeDefined();
        const own = byMessage(record.messageId);
        expect(own).toHaveLength(2);
        for (const line of own) expect(line.ids).toEqual(idsOf(span!));
      }
      expect(byMessage('[mine] replaced').map((l) => l.ids)).toEqual([idsOf(batch!)]);
      expect(ric.stdout()).toContain('own writer bypassing\n');
    });
  }

  it('shapes the two formats as Lambda writes them: text message then ids; JSON ids beside the runtime fields', async () => {
    const text = await boot('withTracing', { AWS_LAMBDA_LOG_FORMAT: 'TEXT' }, true);
    const json = await boot('withTracing', { AWS_LAMBDA_LOG_FORMAT: 'JSON' }, true);
    expect((await text.api.invoke(twoRecordBatch(), { requestId: 'req-text', tenantId: 'tenant-1' })).error).toBeUndefined();
    expect((await json.api.invoke(twoRecordBatch(), { requestId: 'req-json', tenantId: 'tenant-1' })).error).toBeUndefined();
    await receiver.waitForSpans(8);
    await Promise.all([untilWritten(text.ric), untilWritten(json.ric)]);
    const textLine = logLines(text.ric, 'text', 'telemetry').find((l) => l.message === 'format str 42 {"j":1}' && l.ids !== undefined);
    expect(textLine?.raw).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-text\tINFO\tformat str 42 \{"j":1\} trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16} trace_flags=03$/);
    const jsonLines = logLines(json.ric, 'json', 'telemetry');
    const several = jsonLines.find((l) => l.message === 'several 1 { a: [ 1, 2 ] }' && l.ids !== undefined);
    expect(Object.keys(several?.record ?? {})).toEqual(['timestamp', 'level', 'requestId', 'tenantId', 'trace_id', 'span_id', 'trace_flags', 'message']);
    expect(several?.record).toMatchObject({ level: 'WARN', requestId: 'req-json', tenantId: 'tenant-1' });
    const failed = jsonLines.find((l) => typeof l.message === 'string' && l.message.startsWith('failed: Error: boom') && l.ids !== undefined);
    expect(failed?.record).toMatchObject({ level: 'ERROR', errorType: 'Error', errorMessage: 'boom' });
    expect((failed?.record?.stackTrace as string[])[0]).toBe('Error: boom');
    const single = jsonLines.find((l) => l.ids !== undefined && (l.message as { order?: string } | undefined)?.order === 'o-1');
    expect(single?.message).toEqual({ order: 'o-1', n: 1 });
  });

  it('keeps Lambda\'s log level filter: lines below AWS_LAMBDA_LOG_LEVEL are not written, the others carry ids', async () => {
    const { api, ric } = await boot('withTracing', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' }, true);
    expect((await api.invoke(twoRecordBatch())).error).toBeUndefined();
    await receiver.waitForSpans(4);
    await untilWritten(ric);
    const lines = logLines(ric, 'json', 'telemetry');
    expect(new Set(lines.map((l) => l.level))).toEqual(new Set(['WARN', 'ERROR', 'FATAL']));
    const inside = lines.filter((l) => l.ids !== undefined);
    // warn, error, error, fatal in logAll, then one warning per record.
    expect(inside.map((l) => l.level)).toEqual(['WARN', 'ERROR', 'ERROR', 'FATAL', 'WARN', 'WARN']);
  });

  it('works through traced(middy()) the same way', async () => {
    const { api, ric } = await boot('middy', { AWS_LAMBDA_LOG_FORMAT: 'JSON' }, false);
    const event = twoRecordBatch();
    expect((await api.invoke(event)).error, ric.stderr()).toBeUndefined();
    const spans = await receiver.waitForSpans(4);
    const batch = spans.find((s) => s.kind === 5 && s.parentSpanId === undefined);
    await untilWritten(ric);
    const lines = logLines(ric, 'json', 'stdout');
    expect(lines.slice(0, LOG_ALL_COUNT).every((l) => l.ids === undefined)).toBe(true);
    expect(lines.slice(LOG_ALL_COUNT, 2 * LOG_ALL_COUNT).map((l) => l.ids)).toEqual(Array(LOG_ALL_COUNT).fill(idsOf(batch!)));
    const [, traceId] = event.Records[0]!.messageAttributes.traceparent.stringValue.split('-');
    expect(lines.find((l) => l.message === `record ${event.Records[0]!.messageId}`)?.ids?.traceId).toBe(traceId);
  });

  it('gives two invocations running at once in one process each its own ids', async () => {
    const { api, ric } = await boot('concurrent', { AWS_LAMBDA_LOG_FORMAT: 'JSON' }, true);
    const outcome = await api.invoke({});
    expect(outcome.error, ric.stderr()).toBeUndefined();
    expect(outcome.result).toEqual([1, 2]);
    const spans = await receiver.waitForSpans(2);
    await untilWritten(ric);
    const lines = logLines(ric, 'json', 'telemetry');
    const order = lines.map((l) => l.message);
    // They did interleave: invocation 2's first line came between invocation 1's.
    expect(order.indexOf('inner 2 step 0')).toBeGreaterThan(order.indexOf('inner 1 step 0'));
    expect(order.indexOf('inner 2 step 0')).toBeLessThan(order.indexOf('inner 1 step 1'));
    for (const [n, id] of [[1, 'inv-1'], [2, 'inv-2']] as const) {
      const span = spans.find((s) => s.attributes['faas.invocation.id'] === id);
      expect(span, id).toBeDefined();
      const own = lines.filter((l) => typeof l.message === 'string' && l.message.startsWith(`inner ${n} `));
      expect(own.map((l) => l.ids)).toEqual([0, 1, 2].map(() => idsOf(span!)));
    }
  });

  for (const format of ['text', 'json'] as const) {
    it(`writes the fields once on lines of pino, winston and Powertools Logger, ${format} format`, async () => {
      const { api, ric } = await boot('structured', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase() }, false);
      expect((await api.invoke({})).error, ric.stderr()).toBeUndefined();
      const [span] = await receiver.waitForSpans(1);
      await untilWritten(ric);
      const out = ric.stdout().split('\n');
      for (const name of ['pino', 'winston', 'powertools', 'console']) {
        const line = out.find((l) => l.includes(`from ${name}`));
        expect(line, name).toBeDefined();
        expect(line!.split('trace_id').length, line).toBe(2);
        expect(line).toContain(span!.traceId);
        expect(line).toContain(span!.spanId);
      }
    });
  }

  it('gives a line logged from a toJSON, while the runtime serialises another, its ids, and the outer line too', async () => {
    const { api, ric } = await boot('nested', { AWS_LAMBDA_LOG_FORMAT: 'JSON' }, true);
    expect((await api.invoke({})).error, ric.stderr()).toBeUndefined();
    const [span] = await receiver.waitForSpans(1);
    await untilWritten(ric);
    const lines = logLines(ric, 'json', 'telemetry');
    expect(lines.map((l) => [l.level, l.message, l.ids])).toEqual([
      ['WARN', 'nested line', idsOf(span!)],
      ['INFO', 'n', idsOf(span!)],
      ['INFO', 'after', idsOf(span!)],
    ]);
    expect(ric.stdout()).not.toMatch(/trace_id/);
  });

  it.each(['init', 'invocation'])('writes JSON lines as the runtime does when JSON is frozen at %s, and nothing throws', async (when) => {
    const { api, ric } = await boot('frozen', { AWS_LAMBDA_LOG_FORMAT: 'JSON', FREEZE: when }, true);
    const outcome = await api.invoke({});
    expect(outcome, ric.stderr()).toEqual({ result: 'ok' });
    const [span] = await receiver.waitForSpans(1);
    await untilWritten(ric);
    const lines = logLines(ric, 'json', 'telemetry').filter((l) => l.level === 'INFO');
    expect(lines.map((l) => [l.message, l.ids])).toEqual([
      ['before', when === 'init' ? undefined : idsOf(span!)],
      [{ after: 1 }, undefined],
    ]);
    const diagnostics = logLines(ric, 'json', 'telemetry').filter((l) => String(l.message).startsWith('[lambda-baton]'));
    expect(diagnostics.map((l) => l.message)).toEqual(
      when === 'init' ? ['[lambda-baton] JSON.stringify cannot be replaced here, so JSON log lines are written without trace ids'] : [],
    );
  });

  for (const format of ['text', 'json'] as const) {
    it(`passes a console.log the function set before lambda-baton its own arguments, ${format} format`, async () => {
      const { api, ric } = await boot('replacedFirst', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase() }, true);
      const outcome = await api.invoke({});
      expect(outcome, ric.stderr()).toEqual({ result: [3] });
      const [span] = await receiver.waitForSpans(1);
      await untilWritten(ric);
      const lines = logLines(ric, format, 'telemetry');
      const mine = lines.find((l) => String(l.message).startsWith('mine formatted'));
      expect(mine?.message).toBe('mine formatted { n: 1 }');
      // JSON: the runtime's record gains the ids whoever called it; text: that line is the function's own business.
      expect(mine?.ids).toEqual(format === 'json' ? idsOf(span!) : undefined);
      expect(lines.find((l) => l.message === 'info line')?.ids).toEqual(idsOf(span!));
    });
  }

  // Any arguments (format strings with every placeholder, any JSON values): the line is the runtime's own plus the ids.
  const token = fc.constantFrom('%s', '%d', '%i', '%f', '%j', '%o', '%O', '%c', '%%', '%', ' ', 'a', '\n', '"', '\\', 'é', '{');
  const formatString = fc.array(token, { maxLength: 12 }).map((t) => t.join(''));
  const callArgs = fc.oneof(
    fc.tuple(formatString).chain(([f]) => fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }).map((rest) => [f, ...rest])),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 3 }),
  );
  for (const format of ['text', 'json'] as const) {
    it(`writes any arguments as the runtime does, plus the ids (generated calls, ${format} format)`, async () => {
      const calls = fc.sample(callArgs, { numRuns: 300, seed: 14 });
      const { api, ric } = await boot('pairs', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase() }, true);
      const outcome = await api.invoke({ calls });
      expect(outcome.error, ric.stderr()).toBeUndefined();
      const [span] = await receiver.waitForSpans(1);
      await untilWritten(ric);
      const lines = logLines(ric, format, 'telemetry');
      expect(lines).toHaveLength(2 * calls.length);
      for (let i = 0; i < calls.length; i++) {
        const [runtime, ours] = [lines[2 * i]!, lines[2 * i + 1]!];
        expect(runtime.ids).toBeUndefined();
        expect(ours.ids, JSON.stringify(calls[i])).toEqual(idsOf(span!));
        expect(withoutIds(ours), JSON.stringify(calls[i])).toEqual(withoutIds(runtime));
      }
    });
  }

  it.each<{ what: string; env: Record<string, string> }>([
    { what: 'BATON_LOG_CORRELATION=false', env: { BATON_LOG_CORRELATION: 'false' } },
    { what: 'tracing disabled (BATON_ENABLED=false)', env: { BATON_ENABLED: 'false' } },
  ])('writes every line as the runtime does with $what', async ({ env }) => {
    for (const format of ['text', 'json'] as const) {
      const { api, ric } = await boot('withTracing', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase(), ...env }, false);
      expect((await api.invoke(twoRecordBatch())).error, ric.stderr()).toBeUndefined();
      await untilWritten(ric);
      const lines = logLines(ric, format, 'stdout');
      expect(lines.length).toBeGreaterThan(2 * LOG_ALL_COUNT);
      expect(lines.filter((l) => l.ids !== undefined)).toEqual([]);
      expect(ric.stdout()).not.toMatch(/trace_id/);
      expect(lines.slice(LOG_ALL_COUNT, 2 * LOG_ALL_COUNT).map(withoutIds)).toEqual(lines.slice(0, LOG_ALL_COUNT).map(withoutIds));
    }
  });
});
