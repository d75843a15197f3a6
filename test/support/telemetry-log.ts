/**
 * Read what aws-lambda-ric writes to Lambda's telemetry log descriptor (`_LAMBDA_TELEMETRY_LOG_FD`), as its
 * LogPatch.js writes it: per line a 16-byte header (4 bytes type, `0xa55a0003` text or `0xa55a0002` JSON or-ed with
 * the level's mask; 4 bytes length; 8 bytes timestamp in microseconds), then the line's UTF-8 bytes.
 */
export interface TelemetryFrame {
  format: 'text' | 'json';
  /** The level the mask in the type names. */
  level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'UNKNOWN';
  timestampMicros: bigint;
  line: string;
}

const MASKS: Record<number, TelemetryFrame['level']> = { 4: 'TRACE', 8: 'DEBUG', 12: 'INFO', 16: 'WARN', 20: 'ERROR', 24: 'FATAL' };

/** Every complete frame in `bytes`; throws on a header that is not one of the RIC's, or bytes left over. */
export function parseTelemetryFrames(bytes: Buffer): TelemetryFrame[] {
  const frames: TelemetryFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 16) throw new Error(`telemetry log: ${bytes.length - at} stray bytes at offset ${at}`);
    const type = bytes.readUInt32BE(at);
    const base = (type & ~0x1f) >>> 0;
    if (base !== 0xa55a0000) throw new Error(`telemetry log: type 0x${type.toString(16)} at offset ${at} is not a log frame`);
    const kind = type & 0x3;
    const length = bytes.readInt32BE(at + 4);
    const timestampMicros = bytes.readBigInt64BE(at + 8);
    if (at + 16 + length > bytes.length) throw new Error(`telemetry log: frame at ${at} claims ${length} bytes, ${bytes.length - at - 16} present`);
    frames.push({
      format: kind === 3 ? 'text' : 'json',
      level: MASKS[type & 0x1c] ?? 'UNKNOWN',
      timestampMicros,
      line: bytes.subarray(at + 16, at + 16 + length).toString('utf8'),
    });
    at += 16 + length;
  }
  return frames;
}
