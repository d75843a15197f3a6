/**
 * The README's recipes for structured loggers (pino, Powertools Logger, winston), run with the real libraries: each
 * line gets the active span's `trace_id`, `span_id`, `trace_flags` once, from `logFields()`, and the ids are those
 * of the spans the OTLP receiver got, the record's own inside `withRecord`.
 */
import { Writable } from 'node:stream';
import { INVALID_SPAN_CONTEXT, context as contextApi, trace } from '@opentelemetry/api';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import pino from 'pino';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { logFields, withRecord, withTracing } from '../../src/index.js';
import { exportsAnswered, useTracedReceiver } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import type { ReceivedSpan } from '../support/otlp-receiver.js';

// The process's tracing, made once as at a cold start, exporting to a real receiver.
const receiver = useTracedReceiver();

/** A stream that keeps each line written to it. */
/** A span's W3C trace flags as two hex digits: the low byte of OTLP's span flags. */
const flagsOf = (span: ReceivedSpan): string => (span.flags & 0xff).toString(16).padStart(2, '0');

function lineSink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { stream, lines };
}

/** Log 'outside' before any span, 'invocation' in the handler, then 'record <id>' inside each record's withRecord. */
async function runBatch(log: (message: string) => void): Promise<{ spans: ReceivedSpan[]; event: ReturnType<typeof twoRecords> }> {
  const event = twoRecords();
  log('outside');
  const handler = withTracing(async (e: typeof event) => {
    log('invocation');
    await Promise.all(
      e.Records.map((record) =>
        withRecord(record, async () => {
          await new Promise((r) => setTimeout(r, 1));
          log(`record ${record.messageId}`);
        }),
      ),
    );
  });
  await handler(event, lambdaContext());
  await exportsAnswered();
  return { spans: [...receiver.spans], event };
}

function twoRecords() {
  const event = loadEvent('sqs', 'batch-w3c');
  event.Records = event.Records.slice(0, 2);
  return event as { Records: { messageId: string; messageAttributes: { traceparent: { stringValue: string } } }[] };
}

/** Each line's message and the ids it carries, checked against the spans; every field appears once in the raw line. */
function expectCorrelated(lines: string[], messageKey: string, spans: ReceivedSpan[], event: ReturnType<typeof twoRecords>): void {
  const parsed = lines.map((raw) => ({ raw, record: JSON.parse(raw) as Record<string, unknown> }));
  const find = (message: string) => parsed.find((p) => p.record[messageKey] === message);
  const batch = spans.find((s) => s.kind === 5 && s.parentSpanId === undefined);
  expect(batch).toBeDefined();

  const outside = find('outside');
  expect(outside?.record).not.toHaveProperty('trace_id');
  expect(outside?.record).not.toHaveProperty('span_id');

  const expected: [string, ReceivedSpan][] = [['invocation', batch!]];
  for (const record of event.Records) {
    const [, traceId, parentId] = record.messageAttributes.traceparent.stringValue.split('-');
    const span = spans.find((s) => s.traceId === traceId && s.parentSpanId === parentId);
    expect(span).toBeDefined();
    expected.push([`record ${record.messageId}`, span!]);
  }
  for (const [message, span] of expected) {
    const line = find(message);
    expect(line?.record, message).toMatchObject({ trace_id: span.traceId, span_id: span.spanId, trace_flags: flagsOf(span) });
    for (const key of ['trace_id', 'span_id', 'trace_flags']) expect(line?.raw.split(`"${key}"`).length, `${key} in ${line?.raw}`).toBe(2);
  }
}

describe('structured loggers with logFields()', () => {
  it('returns an empty object outside a span and the active span’s ids inside', async () => {
    expect(logFields()).toEqual({});
    let inside: unknown;
    await withTracing(async () => {
      inside = logFields();
    })({}, lambdaContext());
    await exportsAnswered();
    const [span] = receiver.spans;
    expect(inside).toEqual({ trace_id: span?.traceId, span_id: span?.spanId, trace_flags: span === undefined ? undefined : flagsOf(span) });
  });

  it('gives an unsampled span’s flags as 00 and nothing for a span without valid ids', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    const unsampled = trace.setSpanContext(contextApi.active(), { traceId, spanId, traceFlags: 0 });
    expect(contextApi.with(unsampled, logFields)).toEqual({ trace_id: traceId, span_id: spanId, trace_flags: '00' });
    expect(contextApi.with(trace.setSpanContext(contextApi.active(), INVALID_SPAN_CONTEXT), logFields)).toEqual({});
    const garbage = trace.setSpanContext(contextApi.active(), { traceId: 'not"hex\n', spanId: 'x', traceFlags: 1 });
    expect(contextApi.with(garbage, logFields)).toEqual({});
  });

  it('pino: a mixin adds the ids to every line, the record’s inside withRecord', async () => {
    const { stream, lines } = lineSink();
    const logger = pino({ mixin: () => logFields() }, stream);
    const { spans, event } = await runBatch((m) => logger.info(m));
    expectCorrelated(lines, 'msg', spans, event);
  });

  it('Powertools Logger: a log formatter adds the ids to every line, the record’s inside withRecord', async () => {
    class TraceLogFormatter extends LogFormatter {
      public formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
        return new LogItem({
          attributes: {
            level: attributes.logLevel,
            message: attributes.message,
            timestamp: this.formatTimestamp(attributes.timestamp),
            service: attributes.serviceName,
            function_request_id: attributes.lambdaContext?.awsRequestId,
            ...logFields(),
          },
        }).addAttributes(additional);
      }
    }
    const lines: string[] = [];
    // Powertools writes through its own Console on process.stdout (not the global console).
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{"level"')) {
        lines.push(...text.split('\n').filter((l) => l !== ''));
        return true;
      }
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const logger = new Logger({ serviceName: 'orders', logFormatter: new TraceLogFormatter() });
      const { spans, event } = await runBatch((m) => logger.info(m));
      expectCorrelated(lines, 'message', spans, event);
    } finally {
      process.stdout.write = write;
    }
  });

  it('winston: a format adds the ids to every line, the record’s inside withRecord', async () => {
    const { stream, lines } = lineSink();
    const traceFields = winston.format((info) => Object.assign(info, logFields()));
    const logger = winston.createLogger({
      format: winston.format.combine(traceFields(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream })],
    });
    const { spans, event } = await runBatch((m) => logger.info(m));
    await new Promise((r) => setImmediate(r));
    expectCorrelated(lines, 'message', spans, event);
  });
});
