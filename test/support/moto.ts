/**
 * moto_server (the AWS service mocks, installed on this machine) on a port the OS picked, and a
 * recording proxy on 127.0.0.1 in front of it: the proxy keeps every request as the SDK sent
 * it, for what moto does not store (e.g. `MessageSystemAttributes` of SendMessageBatch entries,
 * design notes in README "Propagation conventions").
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly path: string;
  /** `X-Amz-Target`, e.g. `AmazonSQS.SendMessageBatch`, for the JSON protocols. */
  readonly target: string | undefined;
  readonly body: Buffer;
}

export interface Moto {
  /** The proxy's URL: give it to the SDK clients. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The last recorded request whose target ends with `operation` (or whose form body has `Action=operation`). */
  last(operation: string): RecordedRequest | undefined;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForMoto(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${output()}`);
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  let output = '';
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const upstream = `http://127.0.0.1:${port}`;
  await waitForMoto(upstream, child, () => output);

  const requests: RecordedRequest[] = [];
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      requests.push({ path: req.url ?? '/', target: typeof target === 'string' ? target : undefined, body });
      const forward = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  // Clients keep connections alive; the proxy must not close one they are about to reuse.
  proxy.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    last: (operation) =>
      requests.findLast((r) => r.target?.endsWith(`.${operation}`) === true || new URLSearchParams(r.body.toString('utf8')).get('Action') === operation),
    close: async () => {
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await closed;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
