/**
 * Reads a collector's HTTP/1.1 answers off one connection, as they arrive in pieces: where each
 * answer ends, its status, and whether the connection may carry another request. The body is
 * skipped; OTLP's partial-success message is not read (the status decides).
 *
 * Why not http-parser-js, which read them until this module: its 7 KB minified (a request
 * parser, a method table, compatibility paths for old Node) were compiled and run at every cold
 * start for a job of framing answers; this is 3 KB. Under aws-lambda-ric, 25 pairs on Node 22,
 * the time added to a bare handler's cold start went from 29.0 to 26.4 ms (npm package), 42.1 to
 * 38.3 ms (layer) and 25.1 to 24.0 ms (bundled). test/unit/collector-answer.test.ts reads every
 * answer it generates, split anywhere, with both, and checks they agree.
 *
 * The rules are RFC 9112's for a client:
 * - an answer is a status line, header fields, an empty line, then a body (section 2.1);
 * - lines end with LF, a CR before it is dropped (section 2.2), and a bare CR is an error;
 * - 1xx answers are informational: the real one follows on the same connection (RFC 9110, 15.2);
 * - the body's length (section 6.3): none for 1xx, 204 and 304; chunked if it is the last
 *   transfer coding; otherwise until the connection closes if there is a Transfer-Encoding;
 *   otherwise Content-Length (equal values if repeated); otherwise until the close;
 * - HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0 only with
 *   `Connection: keep-alive` (section 9.3); an answer that ends with the close ends it.
 */

/**
 * The most an answer's head (status line and fields), a chunk's size line or a trailer section
 * may take. Node's own HTTP client allows 16 KiB of head (`http.maxHeaderSize`); a collector's is
 * a few hundred bytes.
 */
export const MAX_ANSWER_HEAD_BYTES = 16 * 1024;

/** The part of an answer the next bytes belong to. */
const STATUS_LINE = 0;
const FIELDS = 1;
const SIZED_BODY = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_END = 5;
const TRAILERS = 6;
const UNTIL_CLOSE = 7;

/** `answered(status, keepAlive)`: a final (non-1xx) answer was read to its end. */
export type AnswerListener = (status: number, keepAlive: boolean) => void;

const LF = 0x0a;
const DIGITS = /^\d+$/;
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

export class AnswerReader {
  private part = STATUS_LINE;
  /** The start of a line the last piece cut off. */
  private pending = '';
  /** Bytes of the current head, size line or trailer section so far. */
  private lineBytes = 0;
  private status = 0;
  private http10 = false;
  /** The framing fields of the current answer, lower-cased names, values as sent. */
  private fields: [name: string, value: string][] = [];
  /** Whether the last field line was one of those (a continuation line extends it). */
  private lastKept = false;
  private keepAlive = true;
  /** Body bytes of the current answer or chunk still to skip. */
  private left = 0;
  private error: Error | undefined;

  constructor(private readonly answered: AnswerListener) {}

  /**
   * Reads the next bytes of the connection; an Error if they are not HTTP/1.x answers (after
   * one, every later call returns it too). The listener is called for each answer completed,
   * after the reader is ready for the next one.
   */
  read(chunk: Buffer): Error | undefined {
    let at = 0;
    while (at < chunk.length && this.error === undefined) {
      const part = this.part;
      if (part === UNTIL_CLOSE) return undefined;
      if (part === SIZED_BODY || part === CHUNK_DATA) {
        const take = Math.min(this.left, chunk.length - at);
        at += take;
        this.left -= take;
        if (this.left > 0) return undefined;
        if (part === SIZED_BODY) this.complete();
        else this.part = CHUNK_END;
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      const end = lf < 0 ? chunk.length : lf + 1;
      this.lineBytes += end - at;
      if (this.lineBytes > MAX_ANSWER_HEAD_BYTES) return this.fail(`more than ${MAX_ANSWER_HEAD_BYTES} bytes of head`);
      const piece = chunk.toString('latin1', at, lf < 0 ? end : lf);
      at = end;
      if (lf < 0) {
        this.pending += piece;
        return undefined;
      }
      let line = this.pending + piece;
      this.pending = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.includes('\r')) return this.fail('a bare CR in a line');
      this.onLine(line);
    }
    return this.error;
  }

  /** The connection ended: an answer framed by the close is complete; any other is cut short. */
  end(): void {
    if (this.part === UNTIL_CLOSE) this.complete();
  }

  private onLine(line: string): void {
    switch (this.part) {
      case STATUS_LINE:
        if (line !== '') this.statusLine(line); // empty lines before an answer are skipped
        return;
      case FIELDS:
        if (line === '') this.headEnd();
        else this.field(line);
        return;
      case CHUNK_SIZE: {
        const size = CHUNK_SIZE_LINE.exec(line)?.[1];
        if (size === undefined) {
          this.fail('a chunk size that is not hexadecimal');
          return;
        }
        this.left = Number.parseInt(size, 16);
        this.lineBytes = 0;
        this.part = this.left === 0 ? TRAILERS : CHUNK_DATA;
        return;
      }
      case CHUNK_END:
        if (line === '') {
          this.lineBytes = 0;
          this.part = CHUNK_SIZE;
        } else this.fail('a chunk longer than its size');
        return;
      case TRAILERS:
        if (line === '') this.complete(); // trailer fields are not read
        return;
    }
  }

  /** `HTTP/1.x SP 3DIGIT [SP reason]` (RFC 9112, section 4). */
  private statusLine(line: string): void {
    const major = line.startsWith('HTTP/1.');
    const minor = line.charCodeAt(7) - 0x30;
    const status = line.slice(9, 12);
    if (!major || !(minor >= 0 && minor <= 9) || line[8] !== ' ' || !/^[1-5]\d\d$/.test(status) || (line.length > 12 && line[12] !== ' ')) {
      this.fail(`a status line of "${line.slice(0, 40)}"`);
      return;
    }
    this.status = Number(status);
    this.http10 = minor === 0;
    this.fields = [];
    this.lastKept = false;
    this.part = FIELDS;
  }

  private field(line: string): void {
    if (line[0] === ' ' || line[0] === '\t') {
      // An obsolete folded line continues the field before it (RFC 9112, section 5.2).
      const last = this.fields[this.fields.length - 1];
      if (this.lastKept && last !== undefined) last[1] += ` ${line.trim()}`;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /[ \t]/.test(line.slice(0, colon))) {
      this.fail(`a header line that is not a field: "${line.slice(0, 40)}"`);
      return;
    }
    const name = line.slice(0, colon).toLowerCase();
    this.lastKept = name === 'content-length' || name === 'transfer-encoding' || name === 'connection';
    if (this.lastKept) this.fields.push([name, line.slice(colon + 1).trim()]);
  }

  /** The head is read: how the connection goes on, and where the body ends. */
  private headEnd(): void {
    this.lineBytes = 0;
    const status = this.status;
    if (status < 200) {
      this.part = STATUS_LINE; // informational: the answer follows
      return;
    }
    let close = false;
    let keepAlive = false;
    let codings: string | undefined;
    let length: number | undefined;
    for (const [name, value] of this.fields) {
      if (name === 'connection') {
        for (const option of value.toLowerCase().split(',')) {
          const token = option.trim();
          if (token === 'close') close = true;
          else if (token === 'keep-alive') keepAlive = true;
        }
      } else if (name === 'transfer-encoding') {
        codings = codings === undefined ? value : `${codings},${value}`;
      } else {
        for (const each of value.split(',')) {
          const digits = each.trim();
          if (!DIGITS.test(digits) || digits.length > 15 || (length !== undefined && length !== Number(digits))) {
            this.fail(`a Content-Length of "${value.slice(0, 40)}"`);
            return;
          }
          length = Number(digits);
        }
      }
    }
    this.keepAlive = this.http10 ? keepAlive && !close : !close;
    if (status === 204 || status === 304) {
      this.complete();
    } else if (codings !== undefined) {
      if (codings.toLowerCase().split(',').pop()?.trim() === 'chunked') this.part = CHUNK_SIZE;
      else this.untilClose();
    } else if (length !== undefined) {
      this.left = length;
      if (this.left === 0) this.complete();
      else this.part = SIZED_BODY;
    } else {
      this.untilClose();
    }
  }

  private untilClose(): void {
    this.keepAlive = false;
    this.part = UNTIL_CLOSE;
  }

  private complete(): void {
    this.part = STATUS_LINE;
    this.lineBytes = 0;
    this.answered(this.status, this.keepAlive);
  }

  /** Reading stops for good: `error` is what every later `read` returns. */
  private fail(why: string): Error {
    this.error = new Error(why);
    return this.error;
  }
}
