/**
 * The collector transport against real sockets on 127.0.0.1: what it writes, as a real HTTP
 * server reads it, and how it reads every kind of answer a collector may give, however TCP
 * splits it. The exporter's own behaviour on top (sent/response, reporting) is in
 * export-failures*.test.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { CollectorConnections } from '../../src/tracer/collector-connections.js';

function run(file: string, args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env: { ...process.env, ...env }, encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(error) : resolve({ stdout, stderr }))),
  );
}

interface Outcome {
  readonly error: Error | undefined;
  readonly status: number;
  readonly written: boolean;
}

function post(connections: CollectorConnections, body: Uint8Array = Uint8Array.from([10, 2, 8, 1])): Promise<Outcome> {
  let written = false;
  return new Promise((resolve) =>
    connections.post({
      body,
      written: () => {
        written = true;
      },
      ended: (error, status) => resolve({ error, status, written }),
    }),
  );
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

function connectionsTo(url: string, options: { headers?: Record<string, string>; timeoutMs?: number; maxConnections?: number } = {}): CollectorConnections {
  const connections = new CollectorConnections({
    url: new URL(url),
    headers: options.headers ?? { 'content-type': 'application/x-protobuf' },
    timeoutMs: options.timeoutMs ?? 2_000,
    maxConnections: options.maxConnections ?? 2,
  });
  cleanup.push(() => connections.destroy());
  return connections;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

/**
 * A collector that speaks raw TCP: it reads each request (head, then Content-Length bytes)
 * and answers with the next scripted answer, written in the pieces given, a loop turn apart.
 */
async function scriptedCollector(answers: (readonly string[])[]): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let writing = Promise.resolve();
    let closing = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.subarray(end + 4 + length);
        requests++;
        // After an answer that says `Connection: close`, a request on the same socket is not read.
        if (closing) continue;
        const pieces = answers.shift() ?? ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'];
        closing = pieces.some((piece) => /connection: close/i.test(piece));
        writing = writing.then(async () => {
          for (const piece of pieces) {
            if (piece === '<close>') {
              socket.end();
              return;
            }
            if (piece === '<wait>') {
              await new Promise((resolve) => setTimeout(resolve, 50));
              continue;
            }
            socket.write(piece, 'latin1');
            await new Promise((resolve) => setImmediate(resolve));
          }
        });
      }
    });
  });
  const port = await listen(server);
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return { url: `http://127.0.0.1:${port}/v1/traces`, connections: () => connections, requests: () => requests };
}

describe('the request', () => {
  it('is the POST a real HTTP server reads: path, host, headers, exact body', async () => {
    const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    const port = await listen(server);
    const connections = connectionsTo(`http://127.0.0.1:${port}/otlp/v1/traces?tenant=a`, {
      headers: { 'content-type': 'application/x-protobuf', Authorization: 'Basic dTpw', 'x-tenant': 'blue' },
    });
    const body = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
    await expect(post(connections, body)).resolves.toEqual({ error: undefined, status: 200, written: true });
    await expect(post(connections, Uint8Array.from([1]))).resolves.toMatchObject({ status: 200 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/otlp/v1/traces?tenant=a' });
    expect(seen[0]?.headers).toMatchObject({
      host: `127.0.0.1:${port}`,
      'content-type': 'application/x-protobuf',
      'content-length': '3000',
      authorization: 'Basic dTpw',
      'x-tenant': 'blue',
    });
    expect(Buffer.compare(seen[0]?.body ?? Buffer.alloc(0), Buffer.from(body))).toBe(0);
    expect(seen[1]?.body).toEqual(Buffer.from([1]));
  });

  it('leaves out a header HTTP does not allow, once reported, and sends the rest', async () => {
    const lines: string[] = [];
    resetDiagnostics();
    setDiagnosticSink((line) => lines.push(line));
    cleanup.push(() => setDiagnosticSink((line) => console.warn(line))); // the default sink
    let headers: IncomingHttpHeaders = {};
    const server = createHttpServer((req, res) => {
      headers = req.headers;
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    const port = await listen(server);
    const connections = connectionsTo(`http://127.0.0.1:${port}/v1/traces`, {
      headers: { 'x-ok': 'yes', 'x-bad': 'a\r\nInjected: 1', 'bad name': 'v', 'Content-Length': '5' },
    });
    await expect(post(connections)).resolves.toMatchObject({ status: 200, error: undefined });
    expect(headers['x-ok']).toBe('yes');
    expect(headers['injected']).toBeUndefined();
    expect(headers['content-length']).toBe('4');
    expect(lines.filter((l) => l.includes('not sent'))).toHaveLength(2);
  });
});

describe('reading answers', () => {
  it('reads a chunked answer, a 204 without length and a 100 before the answer, on one connection', async () => {
    const collector = await scriptedCollector([
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '2\r\n{}\r\n', '0\r\n\r\n'],
      ['HTTP/1.1 204 No Content\r\n\r\n'],
      ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}'],
    ]);
    const connections = connectionsTo(collector.url);
    expect((await post(connections)).status).toBe(200);
    expect((await post(connections)).status).toBe(204);
    expect((await post(connections)).status).toBe(202);
    expect(collector.connections()).toBe(1);
  });

  it('reads an answer that ends with the connection, then opens a new one', async () => {
    const collector = await scriptedCollector([['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 'partial-success', '<close>']]);
    const connections = connectionsTo(collector.url);
    await expect(post(connections)).resolves.toEqual({ error: undefined, status: 200, written: true });
    await expect(post(connections)).resolves.toMatchObject({ error: undefined, status: 200 });
    expect(collector.connections()).toBe(2);
  });

  it('does not reuse a connection the collector said it will close, even before it closes', async () => {
    const collector = await scriptedCollector([['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', '<wait>', '<close>']]);
    const connections = connectionsTo(collector.url);
    await expect(post(connections)).resolves.toMatchObject({ error: undefined, status: 200 });
    await expect(post(connections)).resolves.toMatchObject({ error: undefined, status: 200 });
    expect(collector.connections()).toBe(2);
  });

  it('fails an exchange whose answer is not HTTP, and the next one uses a fresh connection', async () => {
    const collector = await scriptedCollector([['SSH-2.0-OpenSSH_9.2\r\n\r\n']]);
    const connections = connectionsTo(collector.url);
    const first = await post(connections);
    expect(first.error?.message).toMatch(/not HTTP/);
    await expect(post(connections)).resolves.toMatchObject({ error: undefined, status: 200 });
    expect(collector.connections()).toBe(2);
  });

  it('fails an exchange the collector hangs up on, written but never answered', async () => {
    const collector = await scriptedCollector([['<close>']]);
    const connections = connectionsTo(collector.url);
    const outcome = await post(connections);
    expect(outcome.written).toBe(true);
    expect(outcome.error?.message).toMatch(/closed/);
    expect(outcome.status).toBe(0);
  });

  it('survives the collector closing an idle kept-alive connection', async () => {
    const sockets = new Set<Socket>();
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    server.on('connection', (s: Socket) => sockets.add(s));
    const port = await listen(server);
    const connections = connectionsTo(`http://127.0.0.1:${port}/v1/traces`);
    await expect(post(connections)).resolves.toMatchObject({ status: 200 });
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the close is read while idle
    await expect(post(connections)).resolves.toMatchObject({ status: 200, error: undefined });
  });

  it('gives up on an answer that does not come within the timeout', async () => {
    const collector = await scriptedCollector([[]]);
    const connections = connectionsTo(collector.url, { timeoutMs: 150 });
    const started = performance.now();
    const outcome = await post(connections);
    expect(outcome.error?.message).toBe('no answer within 150 ms');
    expect(outcome.written).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reports a refused connection as the exchange’s error, unwritten', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const outcome = await post(connectionsTo(`http://127.0.0.1:${port}/v1/traces`));
    expect(outcome).toMatchObject({ written: false, status: 0 });
    expect((outcome.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
  });

  it('holds at most maxConnections open; a request beyond them waits for a free one', async () => {
    const collector = await scriptedCollector([[], []]); // the first two are never answered
    const connections = connectionsTo(collector.url, { timeoutMs: 300 });
    const first = post(connections);
    const second = post(connections);
    const third = post(connections);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(collector.requests()).toBe(2);
    // The unanswered two time out and close; the third gets a fresh connection and its answer.
    await expect(first).resolves.toMatchObject({ error: expect.any(Error) as Error });
    await expect(second).resolves.toMatchObject({ error: expect.any(Error) as Error });
    await expect(third).resolves.toMatchObject({ error: undefined, status: 200 });
    expect(collector.connections()).toBe(3);
  });

  it('reads any sequence of collector answers, however TCP splits them', async () => {
    const answer = fc.record({
      status: fc.constantFrom(200, 202, 204, 400, 429, 500, 503),
      body: fc.string({ maxLength: 40 }),
      framing: fc.constantFrom('length', 'chunked', 'close'),
      informational: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(60), { minLength: 1, maxLength: 6 }), async (answers, cuts) => {
        const scripts = answers.map(({ status, body, framing, informational }) => {
          const noBody = status === 204;
          let text = informational ? 'HTTP/1.1 100 Continue\r\n\r\n' : '';
          text += `HTTP/1.1 ${status} X\r\n`;
          if (noBody) text += '\r\n';
          else if (framing === 'length') text += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
          else if (framing === 'chunked') text += `Transfer-Encoding: chunked\r\n\r\n${body.length > 0 ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n` : ''}0\r\n\r\n`;
          else text += `Connection: close\r\n\r\n${body}`;
          const bytes = Buffer.from(text, 'utf8').toString('latin1');
          const pieces: string[] = [];
          let at = 0;
          for (const cut of cuts) {
            const next = Math.min(bytes.length, at + 1 + cut);
            pieces.push(bytes.slice(at, next));
            at = next;
          }
          if (at < bytes.length) pieces.push(bytes.slice(at));
          if (framing === 'close' && !noBody) pieces.push('<close>');
          return pieces;
        });
        const collector = await scriptedCollector(scripts);
        const connections = connectionsTo(collector.url);
        const statuses: number[] = [];
        for (let i = 0; i < answers.length; i++) {
          const outcome = await post(connections);
          expect(outcome.error).toBeUndefined();
          statuses.push(outcome.status);
        }
        expect(statuses).toEqual(answers.map((a) => a.status));
        const closes = answers.slice(0, -1).filter((a) => a.framing === 'close' && a.status !== 204).length;
        expect(collector.connections()).toBe(1 + closes);
        for (const undo of cleanup.splice(0).reverse()) await undo();
      }),
      { numRuns: 40 },
    );
  });
});

describe('https', () => {
  it('exports over TLS to a collector whose certificate is trusted', { timeout: 15_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-tls-'));
    // A certificate for 127.0.0.1, made here: openssl ships with Debian and with CI's image.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=collector', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    let received = 0;
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200).end();
      });
    });
    // A collector keeps idle connections open far longer than the child runs.
    server.keepAliveTimeout = 60_000;
    const port = await listen(server as unknown as Server);
    // Untrusted: the connection fails with the TLS error, and nothing is sent.
    const untrusted = await post(connectionsTo(`https://127.0.0.1:${port}/v1/traces`));
    expect(untrusted.written).toBe(false);
    expect(untrusted.error?.message).toMatch(/self.signed|certificate/i);
    // Trusted the way Node is told to trust a CA (NODE_EXTRA_CA_CERTS, read at process start),
    // through the public API: the span arrives and the collector's answer is waited for.
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'done', { endpoint: process.argv[1], exportWait: 'response', flushTimeoutMs: 3000 });
      h({}, { awsRequestId: 'tls-1', getRemainingTimeInMillis: () => 10000 }).then((r) => console.log(r));`;
    const started = performance.now();
    const { stdout, stderr } = await run(process.execPath, ['-e', script, `https://127.0.0.1:${port}`], { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
    expect(stdout.trim()).toBe('done');
    // The kept-alive connection does not hold the process open once its work is done.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(stderr).not.toContain('could not export');
    expect(received).toBe(1);
  });
});
