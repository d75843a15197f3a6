import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { diagnose } from '../diagnostics.js';
import { AnswerReader } from './collector-answer.js';
import { monotonicMs } from './clock.js';
import { isFieldName, isFieldValue } from './header-rules.js';
import { HostLookup } from './host-lookup.js';
import type { Lookup } from './host-lookup.js';
import { exchangeTimeoutMs } from './timers.js';

/** One POST to the collector and what its sender hears of it. */
export interface Exchange {
  readonly body: Uint8Array;
  /** The whole request is on the socket (connected; on loopback, in the collector's receive buffer). */
  written(): void;
  /**
   * The exchange is over: answered with `status`, or failed with `error`. `heard`: some of the
   * collector's answer arrived (so it read the request). Called exactly once.
   */
  ended(error: Error | undefined, status: number, heard: boolean): void;
}

export interface CollectorTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Most one request may take, from being handed to a connection to the last byte of its
   * answer (an overall deadline, not an idle timeout: a collector that trickles its answer
   * is cut off too); then its connection is destroyed and replaced.
   */
  readonly timeoutMs: number;
  /** Connections open at once; a request beyond them waits for one to be free. */
  readonly maxConnections: number;
}

type Connect = (port: number, host: string, lookup: Lookup | undefined) => Socket;

/**
 * Kept-alive HTTP/1.1 connections to the collector, with a fixed request and a parsed answer.
 *
 * Why not `node:http`: an export is one POST of one body to one fixed URL, on the invocation's
 * path. Node's client builds that request anew each time (a ClientRequest, header validation,
 * an agent lookup, a socket handed over on a later tick) and measured 70–90 µs per export
 * here, half of the whole export. Here the request head is written once at cold start and each
 * export is one write; the answer is read by collector-answer.ts (framing, chunked bodies,
 * keep-alive). One request per connection at a time, no pipelining: a collector
 * that closes a connection never takes a second request down with it.
 *
 * Nothing here keeps a process alive: sockets and timers are unref'd, and the invocation that
 * waits for an export holds the process with its own bounded timer (provider.ts).
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
  /** Requests already sent again once; a request is never sent a third time. */
  private readonly resent = new WeakSet<Exchange>();
  private readonly timeoutMs: number;
  /** Until when the collector counts as not answering: a request ran out its deadline, and none was answered since. */
  private lateUntil = 0;
  /** Resolves the collector's name once for all connections; undefined for an IP address. */
  readonly hostLookup: HostLookup | undefined;
  /** `localhost` over plain HTTP, tried at the IPv4 loopback address until that is refused (see connect). */
  private loopback: boolean;

  constructor(private readonly target: CollectorTarget) {
    const { url } = target;
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    // A deadline a timer can hold, whatever was given (NaN, 0, Infinity).
    this.timeoutMs = exchangeTimeoutMs(target.timeoutMs);
    this.hostLookup = isAddressLiteral(url.hostname) ? undefined : new HostLookup(this.timeoutMs);
    this.loopback = url.hostname === 'localhost' && url.protocol === 'http:';
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
    if (url.protocol !== 'https:') this.connector = (port, host, lookup) => netConnect(lookup === undefined ? { port, host } : { port, host, lookup });
  }

  post(exchange: Exchange): void {
    if (this.connector === undefined) {
      this.connecting ??= tlsConnector(isAddressLiteral(this.target.url.hostname) ? undefined : this.host);
      void this.connecting.then(
        (connector) => {
          this.connector = connector;
          this.post(exchange);
        },
        (error: unknown) => exchange.ended(error instanceof Error ? error : new Error(String(error)), 0, false),
      );
      return;
    }
    const connection = this.idle.pop() ?? (this.all.size < this.target.maxConnections ? this.openConnection(this.connector) : undefined);
    if (connection !== undefined) connection.send(exchange, this.head);
    else if (monotonicMs() < this.lateUntil) {
      // Every connection holds a request and the last one to end went unanswered: queued, this
      // one would only wait out its invocation's bound behind them. It ends now, unsent.
      queueMicrotask(() => exchange.ended(new Error('the collector is not answering in time; the request was not sent'), 0, false));
    } else this.waiting.push(exchange);
  }

  /**
   * Opens one connection ahead of the first export (at cold start, while the function's own
   * code loads), parked idle: like every connection it does not keep the process alive, and a
   * collector that is not there only means the first export connects as it would have.
   * Plain HTTP only: an https endpoint would load node:tls for it.
   */
  prepare(): void {
    const { connector, hostLookup } = this;
    if (connector === undefined || this.all.size > 0) return;
    const park = (): void => {
      if (this.all.size > 0) return; // an export came first and connected
      const connection = this.openConnection(connector);
      connection.park();
      this.idle.push(connection);
    };
    // A name is resolved first, so that the connection can be made to its address (see connect).
    if (hostLookup === undefined || this.loopback) park();
    else hostLookup.lookup(this.host, { all: true }, (error) => error === null && park());
  }

  /** Closes every connection; an exchange still open ends with an error. */
  destroy(): void {
    for (const exchange of this.waiting.splice(0)) exchange.ended(new Error('the exporter was shut down'), 0, false);
    this.idle.length = 0;
    for (const connection of this.all) connection.close(new Error('the exporter was shut down'));
    this.all.clear();
  }

  /**
   * A socket to the collector. Both `dns.lookup` and `net.connect` first test whether the name
   * they are given is an IP address with Node's IPv6 pattern, which V8 compiles on first use:
   * 10–12 ms, and 3 ms more on the second use (`net.isIP('localhost')` in a fresh process,
   * Node 20, 22 and 24 here), more than the rest of our cold start's connection work. So:
   * - `localhost`, the collector extension's address and the OTLP default, is connected to at
   *   127.0.0.1 with no lookup: "name resolution APIs and libraries SHOULD recognize localhost
   *   names as special and SHOULD always return the IP loopback address" (RFC 6761, 6.3). If
   *   the collector is not listening there (refused), later connections look the name up.
   * - A name that resolved to one address is connected to at that address, as `net` would
   *   after its own lookup. A name with several addresses keeps `net`'s lookup, which tries
   *   each in turn (`autoSelectFamily`).
   */
  private connect(connect: Connect): Socket {
    const { hostLookup } = this;
    if (this.loopback) {
      const socket = connect(this.port, '127.0.0.1', undefined);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'EADDRNOTAVAIL') this.loopback = false;
      });
      return socket;
    }
    if (hostLookup === undefined || this.target.url.protocol === 'https:') return connect(this.port, this.host, hostLookup?.lookup);
    const only = hostLookup.soleAddress();
    return only === undefined ? connect(this.port, this.host, hostLookup.lookup) : connect(this.port, only, undefined);
  }

  private openConnection(connect: Connect): Connection {
    const connection = new Connection(this.connect(connect), this.timeoutMs, {
      free: (connection) => {
        const next = this.waiting.shift();
        if (next !== undefined) connection.send(next, this.head);
        else this.idle.push(connection);
      },
      timely: (answered) => {
        this.lateUntil = answered ? 0 : monotonicMs() + this.timeoutMs;
      },
      gone: (connection, again) => {
        this.all.delete(connection);
        const at = this.idle.indexOf(connection);
        if (at >= 0) this.idle.splice(at, 1);
        if (again !== undefined && this.connector !== undefined && !this.resent.has(again)) {
          // A reused connection died before any byte of the answer: the collector closed it
          // while idle (an idle timeout) and never read the request, or read it and never
          // said so. Sent once more on a fresh connection: a collector takes a duplicate far
          // better than a trace takes a hole.
          this.resent.add(again);
          this.openConnection(this.connector).send(again, this.head);
          return;
        }
        if (again !== undefined) again.ended(new Error('the connection to the collector closed before it answered'), 0, false);
        // A request that waited for this connection gets a fresh one.
        const next = this.waiting.shift();
        if (next !== undefined) this.post(next);
      },
    });
    this.all.add(connection);
    return connection;
  }
}

/**
 * Whether a URL's hostname is an IP address. The WHATWG URL parser has already checked and
 * normalised it: an IPv6 address keeps its brackets, an IPv4 one is four decimal numbers, and
 * anything else is a name.
 */
export function isAddressLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

/** `servername`: the name sent for SNI; undefined for an IP address, which SNI does not carry (RFC 6066, section 3). */
async function tlsConnector(servername: string | undefined): Promise<Connect> {
  const tls = await import('node:tls');
  return (port, host, lookup) => tls.connect({ port, host, ...(servername === undefined ? {} : { servername }), ...(lookup === undefined ? {} : { lookup }) } satisfies TlsOptions);
}

interface ConnectionEvents {
  /** The answer was read and the connection may take another request. */
  free(connection: Connection): void;
  /** A request was answered, or ran out its deadline unanswered. */
  timely(answered: boolean): void;
  /**
   * The connection is closed and must not be used again. `again`: its request, which a reused
   * connection lost before any of its answer arrived, to be sent once more (or ended).
   */
  gone(connection: Connection, again: Exchange | undefined): void;
}

/**
 * A connection idle longer than this may have been closed by the collector with its FIN not
 * yet read (after a thaw, the handler can run before the event loop polls sockets): the next
 * request waits one loop turn, which reads it, before writing. Shorter idle gaps (back-to-back
 * invocations) write at once; a loop turn costs about 15 µs, a tenth of an export.
 */
const STALE_AFTER_MS = 1;

/** One socket to the collector and the exchange on it, if any. */
class Connection {
  private readonly reader = new AnswerReader((status, keepAlive) => this.answered(status, keepAlive));
  private exchange: Exchange | undefined;
  private closed = false;
  /** Some of the current exchange's answer has arrived. */
  private heard = false;
  /** Exchanges answered on this connection: once one was, the connection is being reused. */
  private served = 0;
  /** Opened ahead of the first export and left idle: the collector may close it meanwhile, as a reused one. */
  private parked = false;
  private restedAt = 0;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly events: ConnectionEvents,
  ) {
    socket.setNoDelay(true);
    // Never keep the process alive for the collector (see CollectorConnections).
    socket.unref();
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange === undefined) {
        this.fail(new Error('the collector sent data nobody asked for'));
        return;
      }
      this.heard = true;
      const error = this.reader.read(chunk);
      if (error !== undefined) this.fail(new Error(`the collector's answer is not HTTP/1.1 (${error.message})`));
    });
    // An answer without a length ends with the connection.
    socket.on('end', () => {
      if (this.exchange !== undefined) this.reader.end();
      this.fail(new Error('the collector closed the connection before answering'), true);
    });
    socket.on('error', (error) => this.fail(error, true));
    socket.on('close', () => this.fail(new Error('the connection to the collector closed before it answered'), true));
  }

  send(exchange: Exchange, head: string): void {
    this.exchange = exchange;
    this.heard = false;
    // One deadline for the whole exchange, cleared when it ends (unlike the socket's idle
    // timeout, which every trickled byte would push back).
    this.deadline = setTimeout(this.expire, this.timeoutMs, exchange);
    this.deadline.unref();
    if ((this.served > 0 || this.parked) && monotonicMs() - this.restedAt > STALE_AFTER_MS) {
      setImmediate(() => {
        if (this.exchange === exchange && !this.closed) this.write(exchange, head);
      });
    } else {
      this.write(exchange, head);
    }
  }

  /**
   * Left idle before its first exchange (see CollectorConnections.prepare). Its rest began at
   * time 0, long before any reading of the clock, so the first send waits one turn for a close
   * that may be pending.
   */
  park(): void {
    this.parked = true;
  }

  /** Ends the connection for good; an exchange on it ends with `error`. */
  close(error: Error): void {
    this.fail(error);
  }

  private write(exchange: Exchange, head: string): void {
    const socket = this.socket;
    // One write of head and body (writev), and its callback once the socket has taken both.
    socket.cork();
    socket.write(`${head}${exchange.body.length}\r\n\r\n`, 'latin1');
    socket.write(exchange.body, (error) => {
      // A failed write ends the exchange through the socket's 'error' instead.
      if ((error === undefined || error === null) && this.exchange === exchange) exchange.written();
    });
    socket.uncork();
  }

  private readonly expire = (exchange: Exchange): void => {
    // After Lambda thaws the process, an expired timer runs before the event loop polls
    // sockets, so an answer already waiting here has not been read yet. Look once more
    // after that poll (setImmediate runs after it) before calling it lost.
    setImmediate(() => {
      if (this.exchange !== exchange) return;
      this.events.timely(false);
      this.fail(new Error(`no answer within ${this.timeoutMs} ms`));
    });
  };

  private answered(status: number, keepAlive: boolean): void {
    const exchange = this.exchange;
    if (exchange === undefined) return;
    this.exchange = undefined;
    clearTimeout(this.deadline);
    this.served++;
    this.events.timely(true);
    if (keepAlive) {
      this.restedAt = monotonicMs();
      this.events.free(this);
    } else {
      this.fail(undefined);
    }
    exchange.ended(undefined, status, true);
  }

  /**
   * Closes the connection, once; an exchange still on it ends with `error`, or, if `lost`
   * (the connection died under it) on a reused connection before any answer, is handed back
   * to be sent again.
   */
  private fail(error: Error | undefined, lost = false): void {
    const exchange = this.exchange;
    const heard = this.heard;
    this.exchange = undefined;
    clearTimeout(this.deadline);
    if (this.closed) return; // a closed connection holds no exchange
    this.closed = true;
    this.socket.destroy();
    const again = lost && exchange !== undefined && !heard && (this.served > 0 || this.parked) ? exchange : undefined;
    this.events.gone(this, again);
    if (exchange !== undefined && again === undefined) exchange.ended(error ?? new Error('the connection to the collector closed'), 0, heard);
  }
}
