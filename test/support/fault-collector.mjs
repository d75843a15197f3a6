// A collector that fails on purpose, over raw TCP on 127.0.0.1, for the fault tests
// (test/integration/collector-faults.test.ts) and the fault benchmark (bench/faults.mjs).
// Plain JavaScript so that both can load it: the benchmark runs under node without a build.
//
// It reads HTTP/1.1 requests framed by Content-Length and answers by `fault`:
//   ok          200, spans stored
//   error500    500
//   error503    503 (one OTLP/HTTP says to retry)
//   hang        never answers
//   reset       half an answer head, then a TCP reset
//   not-http    an SSH banner
//   close-idle  200, spans stored, then closes the connection `idleCloseMs` later (an idle timeout)
//   trickle     a chunked 200 sent one byte every `trickleMs`, never ending
// Spans are "delivered" only when answered 200: their span ids are collected (a resent
// duplicate counts once).
import { createServer } from 'node:net';

/** Span ids in an OTLP/protobuf ExportTraceServiceRequest (resource_spans=1 → scope_spans=2 → spans=2 → span_id=2). */
export function spanIds(buf) {
  const ids = [];
  fields(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return;
    fields(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return;
      fields(buf, s2, e2, (f3, s3, e3) => {
        if (f3 !== 2) return;
        fields(buf, s3, e3, (f4, s4, e4) => {
          if (f4 === 2) ids.push(buf.toString('hex', s4, e4));
        });
      });
    });
  });
  return ids;
}

function varint(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

/** Calls `each(field, start, end)` for every length-delimited field between start and end. */
function fields(buf, start, end, each) {
  let at = start;
  while (at < end) {
    const [tag, next] = varint(buf, at);
    at = next;
    const type = tag & 7;
    if (type === 2) {
      const [length, body] = varint(buf, at);
      each(Math.floor(tag / 8), body, body + length);
      at = body + length;
    } else if (type === 0) at = varint(buf, at)[1];
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else throw new Error(`wire type ${type}`);
  }
}

export async function startFaultCollector({ fault = 'ok', port = 0, idleCloseMs = 1, trickleMs = 100 } = {}) {
  const delivered = new Set();
  const sockets = new Set();
  const timers = new Set();
  let requests = 0;
  let connections = 0;
  let current = fault;
  let server;

  const later = (ms, work) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
  };

  const answer = (socket, body) => {
    requests++;
    switch (current) {
      case 'ok':
      case 'close-idle':
        for (const id of spanIds(body)) delivered.add(id);
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n');
        // Closed for good, as an idle timeout closes it: a request that arrives later is never read.
        if (current === 'close-idle') later(idleCloseMs, () => socket.destroy());
        return;
      case 'error500':
        socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
        return;
      case 'error503':
        socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
        return;
      case 'hang':
        return;
      case 'reset':
        socket.write('HTTP/1.1 200 OK\r\nContent-Le');
        later(1, () => socket.resetAndDestroy());
        return;
      case 'not-http':
        socket.write('SSH-2.0-OpenSSH_9.2\r\n');
        return;
      case 'trickle': {
        const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + '1\r\n.\r\n'.repeat(10_000);
        let at = 0;
        const drip = () => {
          if (socket.destroyed || at >= text.length) return;
          socket.write(text[at++], 'latin1');
          later(trickleMs, drip);
        };
        drip();
        return;
      }
      default:
        throw new Error(`unknown fault ${current}`);
    }
  };

  const listen = () =>
    new Promise((resolve, reject) => {
      server = createServer((socket) => {
        connections++;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          for (;;) {
            const end = pending.indexOf('\r\n\r\n');
            if (end < 0) return;
            const length = Number(/content-length: *(\d+)/i.exec(pending.subarray(0, end).toString('latin1'))?.[1] ?? 0);
            if (pending.length < end + 4 + length) return;
            const body = pending.subarray(end + 4, end + 4 + length);
            pending = pending.subarray(end + 4 + length);
            answer(socket, body);
          }
        });
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = server.address().port;
        resolve();
      });
    });

  /** Stops listening and drops every connection: the collector is down (connections are refused). */
  const stop = () =>
    new Promise((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      if (server === undefined || !server.listening) resolve();
      else server.close(() => resolve());
    });

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    /** Unique span ids the collector answered 200 for. */
    delivered,
    requests: () => requests,
    connections: () => connections,
    setFault(next) {
      current = next;
    },
    stop,
    /** Listens again on the same port: the collector is back. */
    start: listen,
    close: stop,
  };
}
