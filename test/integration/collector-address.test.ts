import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import type { SocketConnectOpts } from 'node:net';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollectorConnections, isAddressLiteral } from '../../src/tracer/collector-connections.js';

// The module object the code under test looks up through (process.getBuiltinModule), not an ES module namespace.
const dns = createRequire(import.meta.url)('node:dns') as typeof import('node:dns');

/*
 * The collector's name resolves through node:dns, whose lookup is replaced here so that what a
 * name resolves to does not depend on the machine's /etc/hosts: `one.test` has one address,
 * `two.test` two (IPv4 first, as the server listens on 127.0.0.1 only), `localhost` resolves to
 * 127.0.0.2. Other names resolve as usual.
 */
const TABLE: Record<string, { address: string; family: number }[]> = {
  // Where a collector that is not on 127.0.0.1 is found by name (Linux routes all of 127/8 to lo).
  localhost: [{ address: '127.0.0.2', family: 4 }],
  'one.test': [{ address: '127.0.0.1', family: 4 }],
  'two.test': [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
};
const realLookup = dns.lookup;
beforeEach(() => {
  vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: unknown) => void) => {
    const addresses = TABLE[hostname];
    if (addresses === undefined) return (realLookup as unknown as (h: string, o: unknown, c: unknown) => void)(hostname, options, callback);
    process.nextTick(() => callback(null, addresses));
  }) as unknown as typeof dns.lookup);
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function collector(host = '127.0.0.1'): Promise<{ port: number; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as { port: number }).port, requests: () => requests };
}

/** The host and lookup of every socket connect made while `work` runs. */
async function connectsDuring(work: () => Promise<void>): Promise<{ host?: string; lookup: boolean }[]> {
  const seen: { host?: string; lookup: boolean }[] = [];
  const connect = Socket.prototype.connect;
  vi.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
    // net.connect hands the socket its normalised arguments: [options, callback].
    const options = (Array.isArray(args[0]) ? args[0][0] : args[0]) as SocketConnectOpts & { host?: string; lookup?: unknown };
    seen.push({ ...(options.host === undefined ? {} : { host: options.host }), lookup: options.lookup !== undefined });
    return (connect as (...a: unknown[]) => Socket).apply(this, args);
  });
  await work();
  return seen;
}

function post(connections: CollectorConnections): Promise<number> {
  return new Promise((resolve, reject) =>
    connections.post({ body: Uint8Array.from([10, 0]), written: () => {}, ended: (error, status) => (error === undefined ? resolve(status) : reject(error)) }),
  );
}

function connectionsTo(url: string): CollectorConnections {
  const connections = new CollectorConnections({ url: new URL(url), headers: {}, timeoutMs: 2_000, maxConnections: 2 });
  cleanup.push(() => connections.destroy());
  return connections;
}

/**
 * The connects made when `url`'s connections are opened ahead of the first export, as at a cold
 * start (prepare), left a moment to resolve or be refused, and then used for one export, which
 * must be answered.
 */
async function connectsOfPreparedExport(url: string): Promise<{ host?: string; lookup: boolean }[]> {
  return connectsDuring(async () => {
    const connections = connectionsTo(url);
    connections.prepare();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await post(connections)).toBe(200);
  });
}

describe('connecting to a collector by name', () => {
  it('connects to the address of a name that resolved to one, not by the name (net would test the name against its IPv6 pattern)', async () => {
    const { port, requests } = await collector();
    // prepare() resolves the name, then opens the connection ahead of the first export.
    const seen = await connectsOfPreparedExport(`http://one.test:${port}/v1/traces`);
    expect(seen).toEqual([{ host: '127.0.0.1', lookup: false }]);
    expect(requests()).toBe(1);
  });

  it('keeps net’s own lookup for a name with several addresses, so that each is tried in turn', async () => {
    const { port } = await collector();
    const seen = await connectsOfPreparedExport(`http://two.test:${port}/v1/traces`);
    expect(seen).toEqual([{ host: 'two.test', lookup: true }]);
  });

  it('sends an export that comes before the name is resolved by name, and connects later ones by its address', async () => {
    const { port, requests } = await collector();
    const seen = await connectsDuring(async () => {
      // Nothing prepared: the first connection resolves the name through net's lookup.
      const first = connectionsTo(`http://one.test:${port}/v1/traces`);
      expect(await post(first)).toBe(200);
      // The collector closes it; the next export needs a new connection, to the address now known.
      first.destroy();
      expect(await post(first)).toBe(200);
    });
    expect(seen).toEqual([
      { host: 'one.test', lookup: true },
      { host: '127.0.0.1', lookup: false },
    ]);
    expect(requests()).toBe(2);
  });
});

describe('connecting to a collector at localhost', () => {
  it('connects to 127.0.0.1 with no lookup: localhost is the loopback address (RFC 6761)', async () => {
    const { port, requests } = await collector();
    const seen = await connectsOfPreparedExport(`http://localhost:${port}/v1/traces`);
    expect(seen).toEqual([{ host: '127.0.0.1', lookup: false }]);
    expect(requests()).toBe(1);
  });

  it('looks the name up once 127.0.0.1 refuses, and reaches the collector where the name leads', async () => {
    const { port, requests } = await collector('127.0.0.2');
    // prepare()'s connection is refused at 127.0.0.1: nothing listens there.
    const seen = await connectsOfPreparedExport(`http://localhost:${port}/v1/traces`);
    expect(seen).toEqual([
      { host: '127.0.0.1', lookup: false },
      { host: 'localhost', lookup: true },
    ]);
    expect(requests()).toBe(1);
  });
});

describe('isAddressLiteral: a URL hostname as the WHATWG parser leaves it', () => {
  it.each([
    ['http://127.0.0.1:4318', true],
    ['http://[::1]:4318', true],
    ['http://0x7f.1:4318', true], // normalised to 127.0.0.1
    ['http://localhost:4318', false],
    ['http://collector.internal:4318', false],
    ['http://4318.example:4318', false],
  ])('%s → %s', (url, literal) => {
    expect(isAddressLiteral(new URL(url).hostname)).toBe(literal);
  });
});
