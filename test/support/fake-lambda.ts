/**
 * A real HTTP server on 127.0.0.1 that answers the Lambda data-plane operations the way the
 * service does, so the real AWS SDK (and our middleware in it) can be exercised end to end:
 *
 * - `POST /2015-03-31/functions/{name}/invocations` (Invoke): `RequestResponse` → 200 with a
 *   JSON body; a function named `fails` → 200 with `X-Amz-Function-Error: Unhandled`;
 *   `Event` → 202; `DryRun` → 204.
 * - `POST /2021-11-15/functions/{name}/response-streaming-invocations`
 *   (InvokeWithResponseStream): 200 with an `application/vnd.amazon.eventstream` body of one
 *   `PayloadChunk` and one `InvokeComplete`; a function named `missing` → 404
 *   ResourceNotFoundException.
 * - `POST /2014-11-13/functions/{name}/invoke-async` (InvokeAsync, deprecated): 202.
 *
 * Every request is recorded with its headers and raw body.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32 } from 'node:zlib';

export interface ReceivedInvoke {
  readonly operation: 'Invoke' | 'InvokeWithResponseStream' | 'InvokeAsync';
  /** The `{FunctionName}` path segment, decoded. */
  readonly functionName: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** `X-Amz-Client-Context`, as sent (base64). */
  readonly clientContext: string | undefined;
  readonly invocationType: string | undefined;
}

export interface FakeLambda {
  readonly url: string;
  readonly requests: ReceivedInvoke[];
  reset(): void;
  close(): Promise<void>;
}

const ROUTE = /^\/(2015-03-31|2021-11-15|2014-11-13)\/functions\/([^/]+)\/(invocations|response-streaming-invocations|invoke-async)$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One message of the AWS event-stream encoding: prelude, string headers, payload, CRCs. */
export function eventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encoded = Object.entries(headers).map(([name, value]) => {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const out = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    out.writeUInt8(n.length, 0);
    n.copy(out, 1);
    out.writeUInt8(7, 1 + n.length); // header value type 7: string
    out.writeUInt16BE(v.length, 2 + n.length);
    v.copy(out, 4 + n.length);
    return out;
  });
  const headerBytes = Buffer.concat(encoded);
  const total = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

function respond(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string = ''): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { 'x-amzn-RequestId': 'fake-request-id', 'Content-Length': String(bytes.length), ...headers });
  res.end(bytes);
}

export async function startFakeLambda(): Promise<FakeLambda> {
  const requests: ReceivedInvoke[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const match = ROUTE.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method !== 'POST' || match === null) {
      respond(res, 404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'UnknownOperationException' }, '{"message":"no route"}');
      return;
    }
    const operation = match[3] === 'invocations' ? 'Invoke' : match[3] === 'invoke-async' ? 'InvokeAsync' : 'InvokeWithResponseStream';
    const functionName = decodeURIComponent(match[2] ?? '');
    const invocationType = header(req, 'x-amz-invocation-type');
    requests.push({ operation, functionName, headers: { ...req.headers }, body, clientContext: header(req, 'x-amz-client-context'), invocationType });
    const bare = functionName.split(':').includes('fails') ? 'fails' : functionName.split(':').includes('missing') ? 'missing' : functionName;

    if (operation === 'InvokeAsync') {
      respond(res, 202, { 'Content-Type': 'application/json' }, '{"Status":202}');
      return;
    }
    if (operation === 'InvokeWithResponseStream') {
      if (bare === 'missing') {
        respond(res, 404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' }, JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
        return;
      }
      const stream = Buffer.concat([
        eventStreamMessage({ ':message-type': 'event', ':event-type': 'PayloadChunk', ':content-type': 'application/octet-stream' }, Buffer.from('{"streamed":true}')),
        eventStreamMessage({ ':message-type': 'event', ':event-type': 'InvokeComplete', ':content-type': 'application/json' }, Buffer.from('{}')),
      ]);
      respond(res, 200, { 'Content-Type': 'application/vnd.amazon.eventstream', 'X-Amz-Executed-Version': '$LATEST' }, stream);
      return;
    }
    if (invocationType === 'DryRun') {
      respond(res, 204, {});
      return;
    }
    if (invocationType === 'Event') {
      respond(res, 202, {});
      return;
    }
    if (bare === 'fails') {
      respond(res, 200, { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' }, '{"errorType":"Error","errorMessage":"boom"}');
      return;
    }
    respond(res, 200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' }, '{"ok":true}');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) respond(res, 500, { 'Content-Type': 'text/plain' }, String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset() {
      requests.length = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (a server was started there and closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
