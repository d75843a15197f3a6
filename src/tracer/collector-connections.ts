import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import { isFieldName, isFieldValue } from './header-rules.js';
import { diagnose } from '../diagnostics.js';

/** One POST to the collector and what its sender hears of it. */
export interface Exchange {
  readonly body: Uint8Array;
  /** The whole request is on the socket (connected; on loopback, in the collector's receive buffer). */
  written(): void;
  /** The exchange is over: answered with `status`, or failed with `error`. Called exactly once. */
  ended(error: Error | undefined, status: number): void;
}

export interface CollectorTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Most a request may wait, idle, for its connection or its answer; then it is abandoned. */
  readonly timeoutMs: number;
  /** Connections open at once; a request beyond them waits for one to be free. */
  readonly maxConnections: number;
}

type Connect = (port: number, host: string) => Socket;

/**
 * Kept-alive HTTP/1.1 connections to the collector, with a fixed request and a parsed answer.
 *
 * Why not `node:http`: an export is one POST of one body to one fixed URL, on the invocation's
 * path. Node's client builds that request anew each time (a ClientRequest, header validation,
 * an agent lookup, a socket handed over on a later tick) and measured 70–90 µs per export
 * here, half of the whole export. Here the request head is written once at cold start and each
 * export is one write; the answer is parsed by http-parser-js (framing, chunked bodies,
 * keep-alive), not by hand. One request per connection at a time, no pipelining: a collector
 * that closes a connection never takes a second request down with it.
 */
export class CollectorConnections {
  private readonly head: string;
  private readonly host: string;
  private readonly port: number;
  /** Every open connection, busy or idle. */
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private connector: Connect | undefined;
  private connecting: Promise<Connect> | undefined;

  constructor(private readonly target: CollectorTarget) {
    const { url } = target;
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    // Names are case-insensitive: the last spelling given wins, as later options override earlier.
    const headers = new Map<string, [string, string]>();
    for (const [name, value] of Object.entries(target.headers)) headers.set(name.toLowerCase(), [name, value]);
    headers.delete('host');
    headers.delete('content-length');
    for (const [name, value] of headers.values()) {
      if (isFieldName(name) && isFieldValue(value)) head += `${name}: ${value}\r\n`;
      else diagnose(`config:header:${name}`, `the OTLP header "${name}" has a name or value HTTP does not allow; it is not sent`);
    }
    this.head = `${head}Content-Length: `;
    // Plain HTTP, the collector extension on localhost, needs no TLS: node:tls loads only if asked for.
    if (url.protocol !== 'https:') this.connector = (port, host) => netConnect(port, host);
  }

  post(exchange: Exchange): void {
    if (this.connector === undefined) {
      this.connecting ??= tlsConnector(this.host);
      void this.connecting.then(
        (connector) => {
          this.connector = connector;
          this.post(exchange);
        },
        (error: unknown) => exchange.ended(error instanceof Error ? error : new Error(String(error)), 0),
      );
      return;
    }
    const connection = this.idle.pop() ?? (this.all.size < this.target.maxConnections ? this.openConnection(this.connector) : undefined);
    if (connection === undefined) this.waiting.push(exchange);
    else connection.send(exchange, this.head);
  }

  /**
   * Opens one connection ahead of the first export (at cold start, while the function's own
   * code loads), parked idle: it neither keeps the process alive nor times out, and a
   * collector that is not there only means the first export connects as it would have.
   * Plain HTTP only: an https endpoint would load node:tls for it.
   */
  prepare(): void {
    if (this.connector === undefined || this.all.size > 0) return;
    const connection = this.openConnection(this.connector);
    connection.rest();
    this.idle.push(connection);
  }

  /** Closes every connection; an exchange still open ends with an error. */
  destroy(): void {
    for (const exchange of this.waiting.splice(0)) exchange.ended(new Error('the exporter was shut down'), 0);
    this.idle.length = 0;
    for (const connection of this.all) connection.close(new Error('the exporter was shut down'));
    this.all.clear();
  }

  private openConnection(connect: Connect): Connection {
    const connection = new Connection(connect(this.port, this.host), this.target.timeoutMs, {
      free: (connection) => {
        const next = this.waiting.shift();
        if (next !== undefined) connection.send(next, this.head);
        else this.idle.push(connection);
      },
      gone: (connection) => {
        this.all.delete(connection);
        const at = this.idle.indexOf(connection);
        if (at >= 0) this.idle.splice(at, 1);
        // A request that waited for this connection gets a fresh one.
        const next = this.waiting.shift();
        if (next !== undefined) this.post(next);
      },
    });
    this.all.add(connection);
    return connection;
  }
}

async function tlsConnector(servername: string): Promise<Connect> {
  const tls = await import('node:tls');
  const ip = /^[\d.]+$|:/.test(servername);
  return (port, host) => tls.connect({ port, host, ...(ip ? {} : { servername }) } satisfies TlsOptions);
}

interface ConnectionEvents {
  /** The answer was read and the connection may take another request. */
  free(connection: Connection): void;
  /** The connection is closed and must not be used again. */
  gone(connection: Connection): void;
}

// http-parser-js calls back with the answer's head; these are the fields we read.
interface AnswerHead {
  statusCode: number;
  shouldKeepAlive: boolean;
}

/** One socket to the collector and the exchange on it, if any. */
class Connection {
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private exchange: Exchange | undefined;
  private status = 0;
  private keepAlive = true;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly events: ConnectionEvents,
  ) {
    socket.setNoDelay(true);
    const parser = this.parser;
    // The parser knows which answers have no body (1xx, 204, 304) and how the rest are framed.
    parser[HTTPParser.kOnHeadersComplete] = (head: AnswerHead) => {
      this.status = head.statusCode;
      this.keepAlive = head.shouldKeepAlive;
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (this.status >= 100 && this.status < 200) return; // informational: the answer follows
      this.answered();
    };
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange === undefined) {
        this.fail(new Error('the collector sent data nobody asked for'));
        return;
      }
      const read = parser.execute(chunk);
      if (read instanceof Error) this.fail(new Error(`the collector's answer is not HTTP/1.1 (${read.message})`));
    });
    // An answer without a length ends with the connection.
    socket.on('end', () => {
      if (this.exchange !== undefined) parser.finish();
      this.fail(new Error('the collector closed the connection before answering'));
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the connection to the collector closed before it answered')));
    socket.on('timeout', () => {
      // After Lambda thaws the process, an expired timer runs before the event loop polls
      // sockets, so an answer already waiting here has not been read yet. Look once more
      // after that poll (setImmediate runs after it) before calling it lost.
      const exchange = this.exchange;
      setImmediate(() => {
        if (exchange !== undefined && this.exchange === exchange) this.fail(new Error(`no answer within ${this.timeoutMs} ms`));
      });
    });
  }

  send(exchange: Exchange, head: string): void {
    this.exchange = exchange;
    this.status = 0;
    const socket = this.socket;
    socket.ref();
    socket.setTimeout(this.timeoutMs);
    // One write of head and body (writev), and its callback once the socket has taken both.
    socket.cork();
    socket.write(`${head}${exchange.body.length}\r\n\r\n`, 'latin1');
    socket.write(exchange.body, (error) => {
      // A failed write ends the exchange through the socket's 'error' instead.
      if ((error === undefined || error === null) && this.exchange === exchange) exchange.written();
    });
    socket.uncork();
  }

  /** Ends the connection for good; an exchange on it ends with `error`. */
  close(error: Error): void {
    this.fail(error);
  }

  private answered(): void {
    const exchange = this.exchange;
    if (exchange === undefined) return;
    this.exchange = undefined;
    // Read before the connection is handed on: the next request resets it.
    const status = this.status;
    if (this.keepAlive) {
      this.rest();
      this.events.free(this);
    } else {
      this.fail(undefined);
    }
    exchange.ended(undefined, status);
  }

  /** Between requests the connection neither times out nor keeps the process alive. */
  rest(): void {
    this.socket.setTimeout(0);
    this.socket.unref();
  }

  /** Closes the connection, once; an exchange still on it ends with `error`. */
  private fail(error: Error | undefined): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.events.gone(this);
    }
    if (exchange !== undefined) exchange.ended(error ?? new Error('the connection to the collector closed'), 0);
  }
}
