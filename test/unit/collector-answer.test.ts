/**
 * The collector's answers as collector-answer.ts reads them: where each ends, its status and
 * whether the connection may carry another request, however the bytes are split. http-parser-js
 * (what read them before) reads the same generated answers as a second opinion.
 */
import fc from 'fast-check';
import { HTTPParser } from 'http-parser-js';
import { describe, expect, it } from 'vitest';
import { AnswerReader, MAX_ANSWER_HEAD_BYTES } from '../../src/tracer/collector-answer.js';

type Answer = [status: number, keepAlive: boolean];

/** Reads `pieces` with our reader; what it answered and its first error. */
function readOurs(pieces: readonly Buffer[], ended = true): { answers: Answer[]; error: Error | undefined } {
  const answers: Answer[] = [];
  const reader = new AnswerReader((status, keepAlive) => answers.push([status, keepAlive]));
  let error: Error | undefined;
  for (const piece of pieces) error ??= reader.read(piece);
  if (ended && error === undefined) reader.end();
  return { answers, error };
}

/** The same bytes through http-parser-js, as collector-connections.ts used it. */
function readTheirs(pieces: readonly Buffer[]): { answers: Answer[]; error: Error | undefined } {
  const answers: Answer[] = [];
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  let head: Answer = [0, false];
  parser[HTTPParser.kOnHeadersComplete] = (info: { statusCode: number; shouldKeepAlive: boolean }) => {
    head = [info.statusCode, info.shouldKeepAlive];
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (head[0] >= 200) answers.push(head);
  };
  let error: Error | undefined;
  for (const piece of pieces) {
    const read = parser.execute(piece);
    if (read instanceof Error) error ??= read;
  }
  if (error === undefined) parser.finish();
  return { answers, error };
}

/** `text` cut at the given offsets (each taken modulo the length). */
function split(text: string, cuts: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text, 'latin1');
  const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) pieces.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return pieces;
}

const once = (text: string): Buffer[] => [Buffer.from(text, 'latin1')];

// A well-formed answer, its expected reading, and whether it ends the connection.
const answerArbitrary = fc
  .record({
    version: fc.constantFrom('1.1', '1.0'),
    status: fc.constantFrom(100, 103, 200, 202, 204, 206, 301, 304, 400, 404, 429, 500, 502, 503),
    reason: fc.constantFrom('', ' OK', ' Service Unavailable', ' '),
    eol: fc.constantFrom('\r\n', '\n'),
    leadingEmptyLine: fc.boolean(),
    connection: fc.constantFrom(undefined, 'close', 'keep-alive', 'Keep-Alive', 'close, TE'),
    nameCase: fc.constantFrom((n: string) => n, (n: string) => n.toLowerCase(), (n: string) => n.toUpperCase()),
    others: fc.array(fc.constantFrom(['Content-Type', 'application/x-protobuf'], ['Date', 'Tue, 01 Dec 2026 10:00:00 GMT'], ['X-Empty', ''], ['Server', ' envoy ']), { maxLength: 3 }),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    body: fc.string({ maxLength: 60 }),
    chunkCuts: fc.array(fc.nat(60), { maxLength: 3 }),
    extension: fc.constantFrom('', ';ext=1', ' ;x'),
    upperHex: fc.boolean(),
    trailers: fc.boolean(),
  })
  .map((a) => {
    const noBody = a.status < 200 || a.status === 204 || a.status === 304;
    // HTTP/1.0 with both options is left out: RFC 9112 has close win, http-parser-js keep-alive.
    const connection = a.version === '1.0' && a.connection === 'close, TE' ? 'close' : a.connection;
    const fields: [string, string][] = a.others.map(([n, v]) => [a.nameCase(n), v]);
    if (connection !== undefined) fields.push([a.nameCase('Connection'), connection]);
    const body = Buffer.from(a.body, 'utf8').toString('latin1');
    let bodyText = '';
    let framing: 'none' | 'length' | 'chunked' | 'close' = noBody ? 'none' : a.framing;
    if (framing === 'length') {
      fields.push([a.nameCase('Content-Length'), ` ${body.length}`]);
      bodyText = body;
    } else if (framing === 'chunked') {
      fields.push([a.nameCase('Transfer-Encoding'), 'chunked']);
      let from = 0;
      for (const cut of [...a.chunkCuts.map((c) => c % (body.length + 1)).sort((x, y) => x - y), body.length]) {
        if (cut <= from) continue;
        const size = (cut - from).toString(16);
        bodyText += `${a.upperHex ? size.toUpperCase() : size}${a.extension}${a.eol}${body.slice(from, cut)}${a.eol}`;
        from = cut;
      }
      bodyText += `0${a.eol}${a.trailers ? `Trailer-Field: x${a.eol}` : ''}${a.eol}`;
    } else if (framing === 'close') {
      bodyText = body;
    }
    const head = `${a.leadingEmptyLine ? a.eol : ''}HTTP/${a.version} ${a.status}${a.reason}${a.eol}${fields.map(([n, v]) => `${n}:${v}${a.eol}`).join('')}${a.eol}`;
    const lower = connection?.toLowerCase() ?? '';
    const keepAlive = framing !== 'close' && (a.version === '1.0' ? lower.includes('keep-alive') : !lower.includes('close'));
    if (framing === 'none') framing = 'length';
    return { text: head + bodyText, final: a.status >= 200, expected: [a.status, keepAlive] as Answer, endsConnection: framing === 'close' || !keepAlive };
  });

// Answers one connection could carry: nothing after one that ends it.
const connectionArbitrary = fc.array(answerArbitrary, { minLength: 1, maxLength: 5 }).map((answers) => {
  const end = answers.findIndex((a) => a.final && a.endsConnection);
  return end < 0 ? answers : answers.slice(0, end + 1);
});

describe('reading collector answers', () => {
  it('reads every well-formed answer as RFC 9112 frames it, however the bytes are split', () => {
    fc.assert(
      fc.property(connectionArbitrary, fc.array(fc.nat(2000), { maxLength: 8 }), (answers, cuts) => {
        const pieces = split(answers.map((a) => a.text).join(''), cuts);
        const ours = readOurs(pieces);
        expect(ours.error).toBeUndefined();
        expect(ours.answers).toEqual(answers.filter((a) => a.final).map((a) => a.expected));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with http-parser-js on every well-formed answer', () => {
    fc.assert(
      fc.property(connectionArbitrary, fc.array(fc.nat(2000), { maxLength: 8 }), (answers, cuts) => {
        const pieces = split(answers.map((a) => a.text).join(''), cuts);
        expect(readOurs(pieces)).toEqual(readTheirs(pieces));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on any bytes, and once it has failed keeps failing', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), fc.boolean(), (chunks, httpStart) => {
        const reader = new AnswerReader(() => undefined);
        let failed: Error | undefined;
        const pieces = chunks.map((c) => Buffer.from(c));
        if (httpStart) pieces.unshift(Buffer.from('HTTP/1.1 200 OK\r\n'));
        for (const piece of pieces) {
          const error = reader.read(piece);
          if (failed !== undefined) expect(error).toBe(failed);
          failed ??= error;
        }
        reader.end();
      }),
      { numRuns: 500 },
    );
  });

  it('reads a 100 Continue and the answer after it in one piece as one answer', () => {
    expect(readOurs(once('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'))).toEqual({ answers: [[200, true]], error: undefined });
  });

  it('ends an answer framed by the close only when the connection ends, and never keeps that connection', () => {
    const answers: Answer[] = [];
    const reader = new AnswerReader((status, keepAlive) => answers.push([status, keepAlive]));
    expect(reader.read(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody bytes'))).toBeUndefined();
    expect(reader.read(Buffer.from('more body'))).toBeUndefined();
    expect(answers).toEqual([]);
    reader.end();
    expect(answers).toEqual([[200, false]]);
  });

  it('does not complete an answer the connection cuts short', () => {
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))).toEqual({ answers: [], error: undefined });
    expect(readOurs(once('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'))).toEqual({ answers: [], error: undefined });
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Le'))).toEqual({ answers: [], error: undefined });
  });

  it('keeps an HTTP/1.0 connection only when the collector asks for keep-alive', () => {
    expect(readOurs(once('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')).answers).toEqual([[200, false]]);
    expect(readOurs(once('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')).answers).toEqual([[200, true]]);
    expect(readOurs(once('HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n')).answers).toEqual([[200, false]]);
  });

  it('ignores the Content-Length of a 204 or 304, which have no body', () => {
    expect(readOurs(once('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n'), false)).toEqual({
      answers: [
        [304, true],
        [204, true],
      ],
      error: undefined,
    });
  });

  it('takes a Content-Length repeated with one value, and rejects one that disagrees or is not a number', () => {
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\n{}'), false).answers).toEqual([[200, true]]);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n')).error?.message).toMatch(/Content-Length/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).error?.message).toMatch(/Content-Length/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n')).error?.message).toMatch(/Content-Length/);
  });

  it('rejects what is not an HTTP/1.x answer', () => {
    for (const text of ['SSH-2.0-OpenSSH_9.2\r\n', 'HTTP/2 200\r\n', 'HTTP/1.1 2000 OK\r\n', 'HTTP/1.1 20 OK\r\n', 'HTTP/1.1 600 Nope\r\n', 'HTTP/1.1 200OK\r\n']) {
      expect(readOurs(once(text)).error?.message, text).toMatch(/status line/);
    }
    expect(readOurs(once('HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n')).error?.message).toMatch(/not a field/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n')).error?.message).toMatch(/not a field/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n')).error?.message).toMatch(/bare CR/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).error?.message).toMatch(/chunk size/);
    expect(readOurs(once('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n')).error?.message).toMatch(/longer than its size/);
  });

  it(`stops reading a head larger than ${MAX_ANSWER_HEAD_BYTES} bytes, and reads one just within it`, () => {
    const start = 'HTTP/1.1 200 OK\r\nX-Padding: ';
    const end = '\r\nContent-Length: 0\r\n\r\n';
    const within = start + 'a'.repeat(MAX_ANSWER_HEAD_BYTES - start.length - end.length) + end;
    expect(Buffer.byteLength(within)).toBe(MAX_ANSWER_HEAD_BYTES);
    expect(readOurs(split(within, [100, 9000]), false)).toEqual({ answers: [[200, true]], error: undefined });
    const over = start + 'a'.repeat(MAX_ANSWER_HEAD_BYTES) + end;
    expect(readOurs(split(over, [100, 9000])).error?.message).toMatch(/more than 16384 bytes of head/);
  });

  it('keeps reading the answers that follow one on the same connection', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 503 Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b\r\ny\r\n0\r\n\r\nHTTP/1.1 202\r\nContent-Length: 0\r\n\r\n';
    expect(readOurs(once(text), false)).toEqual({
      answers: [
        [200, true],
        [503, true],
        [202, true],
      ],
      error: undefined,
    });
  });
});
