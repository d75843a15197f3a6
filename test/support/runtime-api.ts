/**
 * A minimal, in-process AWS Lambda Runtime API (the "RAPID" side of the
 * runtime interface client) for tests. It listens on 127.0.0.1 with an
 * OS-picked port and speaks just enough of the 2018-06-01 protocol for
 * aws-lambda-ric (and our own layer code) to run a handler:
 *
 *   GET  /2018-06-01/runtime/invocation/next              long-polls until invoke() queues an event
 *   POST /2018-06-01/runtime/invocation/{id}/response      resolves that invoke() with { result }
 *   POST /2018-06-01/runtime/invocation/{id}/error         resolves that invoke() with { error }
 *   POST /2018-06-01/runtime/init/error                    resolves `initError` (and fails queued invokes)
 *
 * Node built-ins only. The server must live in a different process from the
 * runtime under test: aws-lambda-ric posts /response and /error with a
 * *synchronous* libcurl call on the main thread, so a server sharing its event
 * loop would deadlock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const PREFIX = '/2018-06-01/runtime';

export interface InvokeOptions {
  /** Sent as JSON in `Lambda-Runtime-Client-Context` (the runtime exposes it as `context.clientContext`). */
  clientContext?: object;
  /** Sent as JSON in `Lambda-Runtime-Cognito-Identity` (`context.identity`). */
  cognitoIdentity?: object;
  /**
   * `Lambda-Runtime-Trace-Id` (X-Ray header, e.g. `Root=1-...;Parent=...;Sampled=1`); the runtime copies it to
   * `process.env._X_AMZN_TRACE_ID`. Real Lambda always sends one, so by default a fresh unsampled one is generated;
   * pass `''` to send none.
   */
  traceId?: string;
  /** `Lambda-Runtime-Deadline-Ms`: the absolute deadline in Unix epoch milliseconds. Default: now + 30 s. */
  deadlineMs?: number;
  /** `Lambda-Runtime-Invoked-Function-Arn`. Default: {@link DEFAULT_FUNCTION_ARN}. */
  functionArn?: string;
  /** `Lambda-Runtime-Aws-Request-Id`. Default: a random UUID. */
  requestId?: string;
  /** `Lambda-Runtime-Aws-Tenant-Id` (tenant isolation mode); not sent unless given. */
  tenantId?: string;
}

export interface RuntimeError {
  errorType: string;
  errorMessage: string;
  /** Stack lines, as aws-lambda-ric sends them. */
  trace?: string[];
}

export interface InvokeOutcome {
  /** The handler's result (JSON-decoded when the runtime posted JSON; the raw text otherwise, e.g. streaming). */
  result?: unknown;
  /** Set when the runtime posted /error, or when init failed (`Runtime.*` error types) or the runtime exited. */
  error?: RuntimeError;
}

/** One request the runtime made, for assertions on paths and headers. */
export interface RuntimeCall {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

export interface RuntimeApi {
  /** "127.0.0.1:PORT": the value for AWS_LAMBDA_RUNTIME_API. */
  address: string;
  /** Queue one invocation and wait for the runtime's /response or /error. */
  invoke(event: unknown, opts?: InvokeOptions): Promise<InvokeOutcome>;
  /** Resolves with the first /runtime/init/error body. */
  initError: Promise<RuntimeError>;
  /** Every /runtime/init/error body posted so far (one per failed init). */
  readonly initErrors: readonly RuntimeError[];
  /** Every request the runtime made, in order of arrival (the /next long polls are logged when they arrive). */
  readonly calls: readonly RuntimeCall[];
  /**
   * Tell the API that the runtime process ended (run-ric's startRic calls this when given `runtimeApi`): like
   * Lambda, the invocations it had taken but not answered, and those still queued for it, fail with
   * `Runtime.ExitError`. (Invocations queued after this call wait for the next runtime.)
   */
  runtimeExited(code: number | null, signal: NodeJS.Signals | null): void;
  /**
   * Ends pending long polls and open sockets; invocations still pending are rejected. Stop the runtime first:
   * aws-lambda-ric exits (129) when /next fails after it has served an invocation, but one that has not served any
   * yet keeps retrying /runtime/init/error against the closed port forever.
   */
  close(): Promise<void>;
}

export const DEFAULT_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:baton-test';

interface Pending {
  requestId: string;
  event: unknown;
  headers: Record<string, string>;
  resolve(outcome: InvokeOutcome): void;
  reject(err: Error): void;
}

/** An X-Ray trace header as Lambda sends it when tracing is passive. */
function newTraceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toRuntimeError(text: string, typeHeader: string | undefined): RuntimeError {
  const parsed = parseJson(text);
  if (parsed !== null && typeof parsed === 'object') {
    const o = parsed as { errorType?: unknown; errorMessage?: unknown; trace?: unknown; stackTrace?: unknown };
    const trace = Array.isArray(o.trace) ? o.trace : Array.isArray(o.stackTrace) ? o.stackTrace : undefined;
    return {
      errorType: typeof o.errorType === 'string' ? o.errorType : (typeHeader ?? 'Unknown'),
      errorMessage: typeof o.errorMessage === 'string' ? o.errorMessage : JSON.stringify(parsed),
      ...(trace ? { trace: trace.map(String) } : {}),
    };
  }
  return { errorType: typeHeader ?? 'Unknown', errorMessage: text };
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function startRuntimeApi(): Promise<RuntimeApi> {
  const queue: Pending[] = []; // invoked, not yet handed to the runtime
  const inFlight = new Map<string, Pending>(); // handed out by /next, awaiting /response or /error
  const polls = new Set<ServerResponse>(); // parked /next long polls
  const sockets = new Set<Socket>();
  const initErrors: RuntimeError[] = [];
  const calls: RuntimeCall[] = [];
  let closed = false;

  let resolveInitError!: (e: RuntimeError) => void;
  const initError = new Promise<RuntimeError>((r) => {
    resolveInitError = r;
  });

  /** Hand `p` to a parked poll; false when no live poll is waiting. */
  function deliver(p: Pending): boolean {
    for (const res of polls) {
      polls.delete(res);
      if (res.destroyed || res.socket === null || res.socket.destroyed) continue;
      const body = JSON.stringify(p.event === undefined ? null : p.event);
      res.writeHead(200, { ...p.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      inFlight.set(p.requestId, p);
      return true;
    }
    return false;
  }

  function settle(requestId: string, outcome: InvokeOutcome): boolean {
    const p = inFlight.get(requestId);
    if (!p) return false;
    inFlight.delete(requestId);
    p.resolve(outcome);
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = method === 'GET' ? '' : await readBody(req);
    calls.push({ method, path, headers: { ...req.headers }, body });

    if (method === 'GET' && path === `${PREFIX}/invocation/next`) {
      polls.add(res);
      res.on('close', () => polls.delete(res));
      const next = queue.shift();
      if (next && !deliver(next)) queue.unshift(next);
      return;
    }

    if (method === 'POST' && path === `${PREFIX}/init/error`) {
      const err = toRuntimeError(body, header(req, 'Lambda-Runtime-Function-Error-Type'));
      initErrors.push(err);
      resolveInitError(err);
      // As on Lambda, the invocation waiting for this init gets the init error as its function error.
      for (const p of queue.splice(0)) p.resolve({ error: err });
      send(res, 202, { status: 'OK' });
      return;
    }

    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (method === 'POST' && m) {
      const requestId = decodeURIComponent(m[1] ?? '');
      let outcome: InvokeOutcome;
      if (m[2] === 'error') {
        outcome = { error: toRuntimeError(body, header(req, 'Lambda-Runtime-Function-Error-Type')) };
      } else {
        const errorType = req.trailers['lambda-runtime-function-error-type']; // streaming failures arrive as trailers
        if (errorType) {
          const errBody = req.trailers['lambda-runtime-function-error-body'];
          outcome = {
            result: body,
            error: toRuntimeError(errBody ? Buffer.from(errBody, 'base64').toString('utf8') : '', errorType),
          };
        } else {
          const json = /json/i.test(header(req, 'Content-Type') ?? 'application/json');
          outcome = { result: json ? parseJson(body) : body };
        }
      }
      if (settle(requestId, outcome)) {
        send(res, 202, { status: 'OK' });
      } else {
        send(res, 400, { errorType: 'InvalidRequestID', errorMessage: `unknown or finished request id ${requestId}` });
      }
      return;
    }

    send(res, 404, { errorType: 'NotFound', errorMessage: `${method} ${path}` });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { errorType: 'HarnessError', errorMessage: String(err) });
      else res.destroy();
    });
  });
  // /next may be parked for as long as a test likes; never time requests out.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const api: RuntimeApi = {
        address: `127.0.0.1:${port}`,
        initError,
        initErrors,
        calls,
        invoke(event, opts = {}) {
          if (closed) return Promise.reject(new Error('runtime API is closed'));
          const requestId = opts.requestId ?? randomUUID();
          if (inFlight.has(requestId) || queue.some((p) => p.requestId === requestId)) {
            return Promise.reject(new Error(`request id ${requestId} is already pending`));
          }
          const traceId = opts.traceId ?? newTraceHeader();
          const headers: Record<string, string> = {
            'Lambda-Runtime-Aws-Request-Id': requestId,
            'Lambda-Runtime-Deadline-Ms': String(Math.trunc(opts.deadlineMs ?? Date.now() + 30_000)),
            'Lambda-Runtime-Invoked-Function-Arn': opts.functionArn ?? DEFAULT_FUNCTION_ARN,
          };
          if (traceId !== '') headers['Lambda-Runtime-Trace-Id'] = traceId;
          if (opts.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = JSON.stringify(opts.clientContext);
          if (opts.cognitoIdentity !== undefined) headers['Lambda-Runtime-Cognito-Identity'] = JSON.stringify(opts.cognitoIdentity);
          if (opts.tenantId !== undefined) headers['Lambda-Runtime-Aws-Tenant-Id'] = opts.tenantId;
          return new Promise<InvokeOutcome>((res, rej) => {
            const p: Pending = { requestId, event, headers, resolve: res, reject: rej };
            if (!deliver(p)) queue.push(p);
          });
        },
        runtimeExited(code, signal) {
          const status = signal ? `signal: ${signal}` : `exit status ${code ?? 'unknown'}`;
          const failed = [...inFlight.values(), ...queue.splice(0)];
          inFlight.clear();
          for (const p of failed) {
            p.resolve({
              error: {
                errorType: 'Runtime.ExitError',
                errorMessage: `RequestId: ${p.requestId} Error: Runtime exited with error: ${status}`,
              },
            });
          }
        },
        async close() {
          if (closed) return;
          closed = true;
          const gone = new Error('runtime API closed');
          for (const p of queue.splice(0)) p.reject(gone);
          for (const p of inFlight.values()) p.reject(gone);
          inFlight.clear();
          for (const res of polls) res.destroy();
          polls.clear();
          const done = new Promise<void>((r) => server.close(() => r()));
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
          await done;
        },
      };
      resolve(api);
    });
  });
}
