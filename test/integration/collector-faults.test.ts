/**
 * Every collector fault against a real socket on 127.0.0.1: what the collector got, how long
 * each invocation waited (bounds, not timings), and that a process exits by itself. The
 * transport alone first, then whole functions (the built package) in their own processes.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { CollectorConnections } from '../../src/tracer/collector-connections.js';
import { MAX_KEPT_SPANS, OtlpHttpExporter } from '../../src/tracer/otlp-http.js';
import { startFaultCollector } from '../support/fault-collector.mjs';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

interface Outcome {
  readonly error: Error | undefined;
  readonly status: number;
  readonly written: number;
  readonly ms: number;
}

function post(connections: CollectorConnections, body: Uint8Array = Uint8Array.from([10, 2, 8, 1])): Promise<Outcome> {
  let written = 0;
  const started = performance.now();
  return new Promise((resolve) =>
    connections.post({
      body,
      written: () => {
        written++;
      },
      ended: (error, status) => resolve({ error, status, written, ms: performance.now() - started }),
    }),
  );
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

function connectionsTo(url: string, timeoutMs = 2_000): CollectorConnections {
  const connections = new CollectorConnections({ url: new URL(url), headers: { 'content-type': 'application/x-protobuf' }, timeoutMs, maxConnections: 2 });
  cleanup.push(() => connections.destroy());
  return connections;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

async function faultCollector(options: Parameters<typeof startFaultCollector>[0]): Promise<Awaited<ReturnType<typeof startFaultCollector>>> {
  const collector = await startFaultCollector(options);
  cleanup.push(() => collector.close());
  return collector;
}

/** Slack on a busy shared machine for "ended within its bound". */
const SLACK_MS = 700;

interface Child {
  readonly code: number | null;
  /** Killed by the test's guard: the process did not exit by itself. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `script` with the built package (`require('./dist/index.cjs')`); killed if it outlives `guardMs`. */
function runChild(script: string, args: string[] = [], guardMs = 20_000): Promise<Child> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script, ...args], { encoding: 'utf8', timeout: guardMs }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number; killed?: boolean }) | null;
      resolve({ code: failure === null ? 0 : (failure.code ?? null), killed: failure?.killed === true, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** The last line of a child's stdout, as JSON. */
function result<T>(child: Child): T {
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}

describe('the transport, against a collector that', () => {
  it('trickles an answer that never ends: the request ends at its deadline and the connection is replaced', async () => {
    const collector = await faultCollector({ fault: 'trickle', trickleMs: 50 });
    const connections = connectionsTo(`${collector.url}/v1/traces`, 300);
    const outcomes = await Promise.all([post(connections), post(connections)]);
    for (const outcome of outcomes) {
      expect(outcome.error?.message).toBe('no answer within 300 ms');
      expect(outcome.ms).toBeLessThan(300 + SLACK_MS);
    }
    // Both connections were destroyed, not left busy: the next request gets a fresh one and its answer.
    collector.setFault('ok');
    await expect(post(connections)).resolves.toMatchObject({ error: undefined, status: 200 });
    expect(collector.connections()).toBe(3);
  });

  it('never answers: once requests ran out their deadlines, one behind busy connections ends at once, unsent', async () => {
    const collector = await faultCollector({ fault: 'hang' });
    const connections = connectionsTo(`${collector.url}/v1/traces`, 200);
    // The first two run out their deadline: the collector is not answering.
    const first = await Promise.all([post(connections), post(connections)]);
    for (const outcome of first) expect(outcome.error?.message).toBe('no answer within 200 ms');
    // Their connections were replaced; two more take the fresh ones, and a third is not queued behind them.
    const next = [post(connections), post(connections)];
    const third = await post(connections);
    expect(third).toMatchObject({ status: 0, written: 0 });
    expect(third.error?.message).toBe('the collector is not answering in time; the request was not sent');
    expect(third.ms).toBeLessThan(200);
    await Promise.all(next);
    expect(collector.requests()).toBe(4);
    // An answer ends that: behind busy connections, a request waits for one again.
    collector.setFault('ok');
    await expect(post(connections)).resolves.toMatchObject({ status: 200 });
    collector.setFault('hang');
    const busy = [post(connections), post(connections)];
    const queued = post(connections);
    await new Promise((resolve) => setTimeout(resolve, 50));
    collector.setFault('ok');
    await Promise.all(busy);
    await expect(queued).resolves.toMatchObject({ status: 200, written: 1 });
  });

  it('trickles a finite answer slower than the deadline: cut off at the deadline, not after the last byte', async () => {
    const server = createServer((socket) => {
      socket.once('data', () => {
        const text = 'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n' + '.'.repeat(40);
        let at = 0;
        const timer = setInterval(() => (at < text.length && !socket.destroyed ? socket.write(text[at++]!) : clearInterval(timer)), 20);
        socket.on('close', () => clearInterval(timer));
      });
      socket.on('error', () => undefined);
    });
    const port = await listen(server);
    const outcome = await post(connectionsTo(`http://127.0.0.1:${port}/v1/traces`, 250));
    // The whole answer takes 80 bytes × 20 ms = 1.6 s; an idle timeout would never fire.
    expect(outcome.error?.message).toBe('no answer within 250 ms');
    expect(outcome.ms).toBeLessThan(250 + SLACK_MS);
  });

  it('resets a reused connection before answering: the request is sent again, once, on a fresh connection', async () => {
    let requests = 0;
    const resetOn = new Set([2, 4, 5]); // the 2nd request, then the 4th and its resend
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', () => {
        requests++;
        if (resetOn.has(requests)) socket.resetAndDestroy();
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      });
    });
    const port = await listen(server);
    const connections = connectionsTo(`http://127.0.0.1:${port}/v1/traces`);
    await expect(post(connections)).resolves.toMatchObject({ status: 200 });
    // Reset on its reused connection, then answered on a fresh one: the collector got it twice.
    await expect(post(connections)).resolves.toMatchObject({ status: 200, error: undefined });
    expect(requests).toBe(3);
    // Sent again only once: a second loss on the fresh connection is the exchange's error.
    const lost = await post(connections);
    expect(lost).toMatchObject({ status: 0 });
    expect(lost.error).toBeInstanceOf(Error);
    expect(requests).toBe(5);
  });

  it('closed an idle connection whose close is not read yet: the request goes on a fresh connection, written once', async () => {
    const sockets: Socket[] = [];
    let requests = 0;
    const server = createHttpServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-length': 0 }).end());
    });
    server.on('connection', (socket: Socket) => sockets.push(socket));
    const port = await listen(server);
    const connections = connectionsTo(`http://127.0.0.1:${port}/v1/traces`);
    await expect(post(connections)).resolves.toMatchObject({ status: 200 });
    // After a thaw, an expired timer runs before the event loop polls sockets: a close that
    // arrived during the freeze is not read yet when the handler exports. Here: the close
    // arrives while the loop is busy, and the request is posted from a timer due meanwhile.
    const outcome = await new Promise<Outcome>((resolve) => {
      setTimeout(() => resolve(post(connections)), 0);
      for (const socket of sockets) socket.destroy();
      const until = Date.now() + 30;
      while (Date.now() < until);
    });
    expect(outcome).toMatchObject({ status: 200, error: undefined });
    // Written once, to the live connection: never reported written to the closed one.
    expect(outcome.written).toBe(1);
    expect(requests).toBe(2);
  });

  it('takes a deadline no timer can hold (Infinity, NaN) without throwing or warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    cleanup.push(() => process.off('warning', onWarning));
    const collector = await faultCollector({ fault: 'ok' });
    for (const timeoutMs of [Number.POSITIVE_INFINITY, Number.NaN, 2 ** 40]) {
      await expect(post(connectionsTo(`${collector.url}/v1/traces`, timeoutMs))).resolves.toMatchObject({ status: 200, error: undefined });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });

  it('has a name that does not resolve: looked up once, the failure remembered, every request ends at once', async () => {
    const connections = connectionsTo('http://collector.invalid:4318/v1/traces', 1_000);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => post(connections)));
    for (let i = 0; i < 10; i++) outcomes.push(await post(connections));
    for (const outcome of outcomes) {
      expect((outcome.error as NodeJS.ErrnoException | undefined)?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
      expect(outcome.written).toBe(0);
    }
    expect(connections.hostLookup?.started).toBe(1);
    // Remembered for a second at first: then the name is looked up again, once.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await Promise.all([post(connections), post(connections)]);
    expect(connections.hostLookup?.started).toBe(2);
  });
});

describe('the exporter, against a collector that', () => {
  async function spans(count: number): Promise<ReadableSpan[]> {
    const ended: ReadableSpan[] = [];
    const provider = new TracerProvider({
      spanProcessors: [{ onStart: () => undefined, onEnd: (span) => void ended.push(span), forceFlush: async () => undefined, shutdown: async () => undefined }],
    });
    for (let i = 0; i < count; i++) provider.getTracer('t').startSpan(`s${i}`).end();
    return ended;
  }
  function exporterTo(url: string): OtlpHttpExporter {
    const exporter = new OtlpHttpExporter({ url, protocol: 'http/protobuf', headers: {}, timeoutMs: 1_000, wait: 'response', onLateFailure: () => undefined });
    cleanup.push(() => exporter.shutdown());
    return exporter;
  }
  const send = (exporter: OtlpHttpExporter, batch: ReadableSpan[]): Promise<ExportResult> => new Promise((resolve) => exporter.export(batch, resolve));

  it('answers 500 (not retryable): its spans are not sent again; 503 (retryable): kept and sent once it answers', async () => {
    const collector = await faultCollector({ fault: 'error500' });
    const exporter = exporterTo(`${collector.url}/v1/traces`);
    expect((await send(exporter, await spans(2))).code).toBe(ExportResultCode.FAILED);
    expect(exporter.keptSpans).toBe(0);
    collector.setFault('error503');
    expect((await send(exporter, await spans(3))).code).toBe(ExportResultCode.FAILED);
    expect(exporter.keptSpans).toBe(3);
    collector.setFault('ok');
    expect((await send(exporter, await spans(1))).code).toBe(ExportResultCode.SUCCESS);
    await exporter.forceFlush();
    // The one just sent and the three kept; never the two the collector refused for good.
    expect(collector.delivered.size).toBe(4);
    expect(exporter.keptSpans).toBe(0);
    expect(collector.requests()).toBe(4);
  });

  it('is down for longer than the kept spans hold: the newest are kept, and the drop is said once', async () => {
    const collector = await faultCollector({ fault: 'ok' });
    await collector.stop();
    const lines: string[] = [];
    resetDiagnostics();
    setDiagnosticSink((line) => lines.push(line));
    cleanup.push(() => setDiagnosticSink((line) => console.warn(line)));
    const exporter = exporterTo(`${collector.url}/v1/traces`);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = await spans(1_000);
      ids.push(...batch.map((span) => span.spanContext().spanId));
      await send(exporter, batch);
    }
    expect(exporter.keptSpans).toBe(MAX_KEPT_SPANS);
    expect(lines.filter((line) => line.includes('oldest kept spans are dropped'))).toHaveLength(1);
    await collector.start();
    await send(exporter, await spans(1));
    await exporter.forceFlush();
    expect(collector.delivered.size).toBe(MAX_KEPT_SPANS + 1);
    for (const id of ids.slice(-MAX_KEPT_SPANS)) expect(collector.delivered.has(id)).toBe(true);
    expect(collector.delivered.has(ids[0]!)).toBe(false);
  });
});

describe('a function whose collector', () => {
  it('trickles its answer: each invocation waits at most its bound, nothing stays busy, the process exits by itself', async () => {
    const collector = await faultCollector({ fault: 'trickle', trickleMs: 100 });
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint: process.argv[1], exportWait: 'response', flushTimeoutMs: 200 });
      (async () => {
        const waits = [];
        for (let n = 0; n < 6; n++) {
          const start = performance.now();
          await h({}, { awsRequestId: 'r' + n, getRemainingTimeInMillis: () => 60000 });
          waits.push(performance.now() - start);
        }
        console.log(JSON.stringify({ waits }));
      })();`;
    const child = await runChild(script, [collector.url]);
    expect(child.killed).toBe(false);
    expect(child.code).toBe(0);
    const { waits } = result<{ waits: number[] }>(child);
    expect(waits).toHaveLength(6);
    for (const ms of waits) expect(ms).toBeLessThan(200 + SLACK_MS);
    // Each export reached the collector: no connection stayed wedged behind a trickled answer.
    expect(collector.requests()).toBe(6);
    // Exited soon after its last invocation, not after the trickle (it never ends).
    expect(child.ms).toBeLessThan(6 * (200 + SLACK_MS) + 3_000);
  });

  it('is given flushTimeoutMs: Infinity: exports, no timer warning, the process exits by itself', async () => {
    const receiver = await startOtlpReceiver();
    cleanup.push(() => receiver.close());
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint: process.argv[1], exportWait: 'response', flushTimeoutMs: Infinity });
      (async () => {
        for (let n = 0; n < 3; n++) await h({}, { awsRequestId: 'inf' + n, getRemainingTimeInMillis: () => 5000 });
        console.log(JSON.stringify({ done: true }));
      })();`;
    const child = await runChild(script, [receiver.url]);
    expect(child.killed).toBe(false);
    expect(result(child)).toEqual({ done: true });
    expect(child.stderr).not.toMatch(/TimeoutOverflowWarning|RangeError|could not export/);
    expect(receiver.spans.map((s) => s.attributes['faas.invocation.id'])).toEqual(['inf0', 'inf1', 'inf2']);
  });

  it('has no time left to wait for its export: invocations do not wait, and their spans are still exported', async () => {
    const receiver = await startOtlpReceiver();
    cleanup.push(() => receiver.close());
    // The bound is min(flushTimeoutMs, remaining time − timeoutMarginMs): 0 or less when the deadline is that near.
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint: process.argv[1], timeoutMarginMs: 100 });
      (async () => {
        for (let n = 0; n < 3; n++) await h({}, { awsRequestId: 'zero' + n, getRemainingTimeInMillis: () => +process.argv[2] });
        // The runtime keeps the process; here a short pause lets the unwaited exports go out.
        setTimeout(() => console.log(JSON.stringify({ done: true })), 300);
      })();`;
    for (const remaining of ['100', '40']) {
      receiver.reset();
      const child = await runChild(script, [receiver.url, remaining]);
      expect(child.killed).toBe(false);
      expect(result(child)).toEqual({ done: true });
      expect(receiver.spans.map((s) => s.attributes['faas.invocation.id']).sort()).toEqual(['zero0', 'zero1', 'zero2']);
      const said = child.stderr.split('\n').filter((line) => line.includes('[lambda-baton]') && line.includes('wait'));
      expect(said.join('\n')).toContain('spans are sent without the invocation waiting');
      expect(child.stderr).not.toContain('sent with the next invocation');
    }
  });

  it('is given flushTimeoutMs 0, negative or NaN: one diagnostic, the default bound, and every span exported', async () => {
    const receiver = await startOtlpReceiver();
    cleanup.push(() => receiver.close());
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint: process.argv[1], flushTimeoutMs: +process.argv[2] });
      (async () => {
        for (let n = 0; n < 3; n++) await h({}, { awsRequestId: 'bad' + n, getRemainingTimeInMillis: () => 5000 });
        console.log(JSON.stringify({ done: true }));
      })();`;
    for (const bound of ['0', '-5', 'NaN']) {
      receiver.reset();
      const child = await runChild(script, [receiver.url, bound]);
      expect(child.killed).toBe(false);
      expect(result(child)).toEqual({ done: true });
      expect(receiver.spans.map((s) => s.attributes['faas.invocation.id']).sort()).toEqual(['bad0', 'bad1', 'bad2']);
      expect(child.stderr).toContain(`[lambda-baton] flushTimeoutMs=${bound} is not a number from 1 to 30000; using 500`);
    }
  });

  it('is far from its deadline, or has a margin no timer can use: no span is marked timed out, no timer warning', async () => {
    const receiver = await startOtlpReceiver();
    cleanup.push(() => receiver.close());
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const margin = process.argv[2] === 'default' ? undefined : +process.argv[2];
      const remaining = +process.argv[3];
      const h = withTracing(async () => { await new Promise((r) => setTimeout(r, 30)); return 'ok'; },
        { endpoint: process.argv[1], exportWait: 'response', ...(margin === undefined ? {} : { timeoutMarginMs: margin }) });
      (async () => {
        for (let n = 0; n < 2; n++) await h({}, { awsRequestId: 'far' + n, getRemainingTimeInMillis: () => remaining });
        console.log(JSON.stringify({ done: true }));
      })();`;
    const cases: [string, number][] = [
      ['default', 2 ** 31 + 1_000],
      ['default', 1e15],
      ['NaN', 10_000],
      ['1e12', 10_000],
      ['Infinity', 10_000],
    ];
    for (const [margin, remaining] of cases) {
      receiver.reset();
      const child = await runChild(script, [receiver.url, margin, String(remaining)]);
      expect(child.killed).toBe(false);
      expect(result(child)).toEqual({ done: true });
      expect(child.stderr).not.toContain('TimeoutOverflowWarning');
      expect(receiver.spans).toHaveLength(2);
      for (const span of receiver.spans) {
        expect(span.attributes['baton.timeout'], `margin ${margin}, remaining ${remaining}`).toBeUndefined();
        expect(span.status.code).not.toBe(2);
      }
    }
  });

  it('does not resolve: one lookup at a time, and the handler’s own file I/O is not starved', { timeout: 30_000 }, async () => {
    // A resolver that does not answer holds a libuv pool thread inside getaddrinfo. Opening a
    // FIFO for reading holds one the same way until a writer opens it; each lookup here does
    // that, on the real pool, and fails once released.
    const dir = mkdtempSync(join(tmpdir(), 'baton-dns-'));
    const fifo = join(dir, 'resolver');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'data.txt'), 'handler data');
    const script = `
      const dns = require('node:dns');
      const fs = require('node:fs');
      const [endpoint, fifo, data] = process.argv.slice(1);
      let inFlight = 0, most = 0, lookups = 0;
      dns.lookup = (host, options, callback) => {
        lookups++; most = Math.max(most, ++inFlight);
        fs.open(fifo, 'r', (error, fd) => {
          if (!error) fs.closeSync(fd);
          inFlight--;
          callback(Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND' }));
        });
      };
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint, flushTimeoutMs: 50 });
      (async () => {
        const waits = [];
        for (let n = 0; n < 12; n++) {
          const start = performance.now();
          await h({}, { awsRequestId: 'dns' + n, getRemainingTimeInMillis: () => 60000 });
          waits.push(performance.now() - start);
        }
        // The handler's own I/O, while the lookup still hangs.
        const read = await Promise.race([
          fs.promises.readFile(data, 'utf8'),
          new Promise((r) => setTimeout(() => r('starved'), 3000)),
        ]);
        // The resolver answers at last: every blocked lookup is released.
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
        console.log(JSON.stringify({ read, most, lookups, waits }));
      })();`;
    const child = await runChild(script, ['http://collector.invalid:4318', fifo, join(dir, 'data.txt')]);
    expect(child.killed).toBe(false);
    const { read, most, lookups, waits } = result<{ read: string; most: number; lookups: number; waits: number[] }>(child);
    expect(read).toBe('handler data');
    expect(most).toBe(1);
    expect(lookups).toBe(1);
    for (const ms of waits) expect(ms).toBeLessThan(50 + SLACK_MS);
  });

  it('was down and came back: the spans of the invocations it missed arrive with the next export', async () => {
    const collector = await faultCollector({ fault: 'ok' });
    const port = collector.port;
    await collector.stop();
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      const h = withTracing(async () => 'ok', { endpoint: process.argv[1], exportWait: 'response', flushTimeoutMs: 1000 });
      const call = (n) => h({}, { awsRequestId: 'back' + n, getRemainingTimeInMillis: () => 60000 });
      (async () => {
        const waits = [];
        const timed = async (n) => {
          const start = performance.now();
          await call(n);
          waits.push(performance.now() - start);
        };
        // One at a time, then three at once (overlapping invocations share the kept spans).
        await timed(0);
        await timed(1);
        await Promise.all([timed(2), timed(3), timed(4)]);
        process.send('down-done');
        process.once('message', async () => {
          await call(5);
          setTimeout(() => console.log(JSON.stringify({ waits })), 300);
        });
      })();`;
    const child = spawn(process.execPath, ['-e', script, `http://127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    cleanup.push(() => child.kill());
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolve) => child.once('message', resolve));
    expect(collector.delivered.size).toBe(0);
    await collector.start();
    child.send('back');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const { waits } = JSON.parse(stdout.trim()) as { waits: number[] };
    // Refused: each invocation ended at once, nowhere near its bound.
    for (const ms of waits) expect(ms).toBeLessThan(1_000);
    // All six invocation spans: the five it missed, sent after the sixth export was answered.
    expect(collector.delivered.size).toBe(6);
  });

  it('closes kept-alive connections soon after answering: no span is lost', { timeout: 30_000 }, async () => {
    const collector = await faultCollector({ fault: 'close-idle', idleCloseMs: 1 });
    const script = `
      const { withTracing } = require('./dist/index.cjs');
      // A handler that computes for a millisecond or three: the collector's close arrives
      // meanwhile, unread when the export is written.
      const h = withTracing(async (e) => {
        const until = Date.now() + 1 + (e.n % 3);
        while (Date.now() < until);
        return 'ok';
      }, { endpoint: process.argv[1], exportWait: process.argv[2], flushTimeoutMs: 2000 });
      (async () => {
        for (let n = 0; n < 150; n++) {
          await h({ n }, { awsRequestId: 'idle' + n, getRemainingTimeInMillis: () => 60000 });
          // Gaps around the collector's idle timeout: some reuse before the close, some race it.
          await new Promise((r) => setTimeout(r, n % 2));
        }
        setTimeout(() => console.log(JSON.stringify({ done: true })), 300);
      })();`;
    for (const wait of ['sent', 'response']) {
      collector.delivered.clear();
      const child = await runChild(script, [collector.url, wait]);
      expect(child.killed).toBe(false);
      expect(result(child)).toEqual({ done: true });
      expect(collector.delivered.size, `exportWait ${wait}`).toBe(150);
    }
  });
});
