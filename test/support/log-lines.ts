/**
 * The console lines a runtime under test wrote, read the way Lambda's log pipeline reads them: from stdout (one line
 * per `\n`; aws-lambda-ric turns a message's own newlines into `\r`) or from the telemetry log descriptor's frames.
 */
import type { RicProcess } from './run-ric.js';
import { parseTelemetryFrames } from './telemetry-log.js';

export interface LogLine {
  /** The line as it reached Lambda, without the trailing newline. */
  raw: string;
  level: string;
  requestId: string | undefined;
  /** Text format: the message column. JSON format: the record's `message` (absent when the runtime left it out). */
  message: unknown;
  /** JSON format: the whole record. */
  record?: Record<string, unknown>;
  /** The ids the line carries, if any. */
  ids?: { traceId: string; spanId: string; flags: string };
}

const TEXT_LINE = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t([^\t]*)\t([A-Z]+)\t([\s\S]*)$/;
const TEXT_IDS = / trace_id=([0-9a-f]{32}) span_id=([0-9a-f]{16}) trace_flags=([0-9a-f]{2})$/;

function textLine(raw: string): LogLine | undefined {
  const m = TEXT_LINE.exec(raw);
  if (m === null) return undefined;
  const message = m[4] ?? '';
  const ids = TEXT_IDS.exec(message);
  return {
    raw,
    level: m[3] ?? '',
    requestId: m[2] === 'undefined' ? undefined : m[2],
    message: ids === null ? message : message.slice(0, ids.index),
    ...(ids === null ? {} : { ids: { traceId: ids[1] ?? '', spanId: ids[2] ?? '', flags: ids[3] ?? '' } }),
  };
}

function jsonLine(raw: string): LogLine | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || typeof record.timestamp !== 'string' || typeof record.level !== 'string') return undefined;
  const { trace_id: traceId, span_id: spanId, trace_flags: flags } = record;
  return {
    raw,
    level: record.level,
    requestId: record.requestId as string | undefined,
    message: record.message,
    record,
    ...(traceId === undefined ? {} : { ids: { traceId: String(traceId), spanId: String(spanId), flags: String(flags) } }),
  };
}

/** The runtime's log lines (other output, such as the RIC's own start-up line, is left out). */
export function logLines(ric: RicProcess, format: 'text' | 'json', source: 'stdout' | 'telemetry'): LogLine[] {
  const parse = format === 'json' ? jsonLine : textLine;
  const raws =
    source === 'stdout'
      ? ric.stdout().split('\n')
      : parseTelemetryFrames(ric.telemetry()).map((frame) => {
          if (frame.format !== format) throw new Error(`a ${frame.format} frame under the ${format} format: ${frame.line.slice(0, 200)}`);
          return frame.line.endsWith('\n') ? frame.line.slice(0, -1) : frame.line;
        });
  return raws.map(parse).filter((line): line is LogLine => line !== undefined);
}
