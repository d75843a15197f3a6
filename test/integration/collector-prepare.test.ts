/**
 * The connection opened at cold start (CollectorConnections.prepare): the first export uses
 * it, it never keeps the process alive, and a collector that is absent changes nothing.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorConnections } from '../../src/tracer/collector-connections.js';
import { ensureBuilt } from '../support/ensure-built.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** A collector that answers every request 200 and counts the connections it accepted. */
async function countingCollector(): Promise<{ url: string; accepted: () => number }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(buffered);
      if (end >= 0 && length !== null && buffered.length >= end + 4 + Number(length[1])) {
        buffered = '';
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, accepted: () => accepted };
}

function connectionsTo(url: string): CollectorConnections {
  const connections = new CollectorConnections({ url: new URL(url), headers: {}, timeoutMs: 2_000, maxConnections: 2 });
  cleanup.push(() => connections.destroy());
  return connections;
}

function post(connections: CollectorConnections): Promise<{ error: Error | undefined; status: number }> {
  return new Promise((resolve) => connections.post({ body: Uint8Array.from([1]), written: () => undefined, ended: (error, status) => resolve({ error, status }) }));
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the collector connection opened at cold start', () => {
  it('is the one the first export uses', async () => {
    const collector = await countingCollector();
    const connections = connectionsTo(collector.url);
    connections.prepare();
    await until(() => collector.accepted() === 1);
    await expect(post(connections)).resolves.toEqual({ error: undefined, status: 200 });
    await expect(post(connections)).resolves.toEqual({ error: undefined, status: 200 });
    expect(collector.accepted()).toBe(1);
  });

  it('is opened once however often it is asked for', async () => {
    const collector = await countingCollector();
    const connections = connectionsTo(collector.url);
    connections.prepare();
    connections.prepare();
    await post(connections);
    expect(collector.accepted()).toBe(1);
  });

  it('changes nothing when no collector listens: the first export fails as it would have, later ones connect anew', async () => {
    const absent = await countingCollector();
    const port = new URL(absent.url).port;
    await cleanup.pop()?.(); // nothing listens on the port now
    const connections = connectionsTo(`http://127.0.0.1:${port}/v1/traces`);
    connections.prepare();
    const outcome = await post(connections);
    expect(outcome.status).toBe(0);
    expect(outcome.error).toBeInstanceOf(Error);
  });

  it('never keeps a process alive: a function whose tracing connected at init exits by itself', async () => {
    await ensureBuilt();
    const collector = await countingCollector();
    const script = `
      const { withTracing } = require('lambda-baton');
      withTracing(async () => 'ok');
      // The rest of init: long enough for the connection to be accepted.
      setTimeout(() => process.stdout.write('initialised'), 300);
    `;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', script], { env: { PATH: process.env['PATH'], OTEL_EXPORTER_OTLP_ENDPOINT: collector.url.replace('/v1/traces', '') }, encoding: 'utf8', timeout: 20_000 }, (error, out) => (error ? reject(error) : resolve(out))),
    );
    // It ended on its own (a held-open socket would have run into execFile's timeout), connected.
    expect(stdout).toBe('initialised');
    expect(collector.accepted()).toBe(1);
  });
});
