/**
 * Start AWS's Node.js runtime interface client (npm `aws-lambda-ric`, built by .ci/build-ric.sh) the way the Lambda
 * service starts a Node.js runtime, against a Runtime API such as test/support/runtime-api.ts.
 *
 * What aws-lambda-ric 3.3.0 itself does (read from its bin/index.mjs and dist/index.mjs):
 *  - `aws-lambda-ric <handler>`: the handler comes from argv[2] (it ignores `_HANDLER`), the function directory is
 *    `process.cwd()` (it ignores `LAMBDA_TASK_ROOT`), so the process must start with cwd = task root;
 *  - it needs `AWS_LAMBDA_RUNTIME_API` ("host:port") at load time: the native addon reads it with getenv() when
 *    loaded, and a missing value aborts the process;
 *  - it does not look at `AWS_LAMBDA_EXEC_WRAPPER`. On Lambda, the runtime's bootstrap script applies it:
 *    `exec "$AWS_LAMBDA_EXEC_WRAPPER" /path/to/node [node args] <runtime entry>` (127 if the wrapper is missing, 126 if
 *    not executable), and the variable stays in the environment. startRic does the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { RuntimeApi } from './runtime-api.js';

export interface StartRicOptions {
  /** aws-lambda-ric's folder (`.../node_modules/aws-lambda-ric`) or its bin file (`.../bin/index.mjs`). */
  ricBin: string;
  /** The function's folder (LAMBDA_TASK_ROOT, and the process's cwd). */
  taskRoot: string;
  /** Lambda handler string, e.g. `index.handler` or `src/app.main`. */
  handler: string;
  /**
   * Environment for the runtime, laid over a Lambda-like base (the test process's environment is NOT inherited).
   * Must contain AWS_LAMBDA_RUNTIME_API (`runtimeApi.address`). A value of `undefined` removes a base variable.
   */
  env: Record<string, string | undefined>;
  /** Path of an executable applied like Lambda's AWS_LAMBDA_EXEC_WRAPPER. */
  execWrapper?: string;
  /** Node binary to run the RIC with. Default: the one running the tests (`process.execPath`). */
  node?: string;
  /** Extra arguments for node, before the RIC's entry file (Lambda's bootstrap passes e.g. --expose-gc). */
  nodeArgs?: string[];
  /** When given, `runtimeApi.runtimeExited()` is called when the process ends (fails invocations it had taken). */
  runtimeApi?: Pick<RuntimeApi, 'runtimeExited'>;
  /**
   * Give the runtime a telemetry log descriptor as Lambda does: a pipe on fd 3 named by `_LAMBDA_TELEMETRY_LOG_FD`,
   * to which the RIC writes its console lines as framed records instead of stdout (read them with `telemetry()`).
   */
  telemetryLogFd?: boolean;
}

export interface RicProcess {
  child: ChildProcess;
  /** Everything the runtime wrote to stderr so far. */
  stderr(): string;
  /** Everything written to stdout so far (the RIC's patched console writes its log lines there). */
  stdout(): string;
  /** Every byte written to the telemetry log descriptor so far (empty without `telemetryLogFd`). */
  telemetry(): Buffer;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM the process (and its process group, in case a wrapper did not exec), SIGKILL after 3 s; waits for exit. */
  stop(): Promise<void>;
}

function ricEntry(ricBin: string): string {
  const p = resolve(ricBin);
  return statSync(p).isDirectory() ? join(p, 'bin', 'index.mjs') : p;
}

/** The environment Lambda gives a Node.js function (only what a runtime or a layer might read). */
function lambdaBaseEnv(o: StartRicOptions, node: string, entry: string): Record<string, string> {
  const ricDir = dirname(dirname(entry));
  const base: Record<string, string> = {
    PATH: `${dirname(node)}:/usr/local/bin:/usr/bin:/bin:/opt/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: resolve(o.taskRoot),
    LAMBDA_RUNTIME_DIR: ricDir,
    _HANDLER: o.handler,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'baton-test',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/baton-test',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
    AWS_SESSION_TOKEN: 'test-session-token',
  };
  // Only known for the node running the tests; with another `node`, pass it in `env` if it matters.
  if (o.node === undefined) base.AWS_EXECUTION_ENV = `AWS_Lambda_nodejs${process.versions.node.split('.')[0] ?? ''}.x`;
  return base;
}

export async function startRic(o: StartRicOptions): Promise<RicProcess> {
  if (!o.env.AWS_LAMBDA_RUNTIME_API) {
    throw new Error('startRic: env.AWS_LAMBDA_RUNTIME_API is required (aws-lambda-ric aborts without it)');
  }
  const node = o.node ?? process.execPath;
  const entry = ricEntry(o.ricBin);
  const env: Record<string, string> = lambdaBaseEnv(o, node, entry);
  for (const [k, v] of Object.entries(o.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }

  // The runtime command as Lambda's bootstrap builds it: node [node args] <entry>; the RIC's bin also wants the
  // handler as its first argument.
  const runtimeCmd = [node, ...(o.nodeArgs ?? []), entry, o.handler];
  let cmd = runtimeCmd;
  if (o.execWrapper !== undefined) {
    const wrapper = resolve(o.execWrapper);
    try {
      accessSync(wrapper, constants.X_OK);
    } catch (e) {
      throw new Error(`startRic: exec wrapper ${wrapper} does not exist or is not executable (${String(e)})`);
    }
    env.AWS_LAMBDA_EXEC_WRAPPER = wrapper;
    cmd = [wrapper, ...runtimeCmd];
  }

  if (o.telemetryLogFd === true) env._LAMBDA_TELEMETRY_LOG_FD = '3';
  const [file, ...args] = cmd as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: resolve(o.taskRoot),
    env,
    stdio: o.telemetryLogFd === true ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() also reaches a node that a non-exec'ing wrapper started
  });
  let err = '';
  let out = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const telemetry: Buffer[] = [];
  (child.stdio[3] as NodeJS.ReadableStream | null | undefined)?.on('data', (d: Buffer) => telemetry.push(d));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    // 'close' (not 'exit'): stdout/stderr are fully read by then.
    child.once('close', (code, signal) => {
      o.runtimeApi?.runtimeExited(code, signal);
      res({ code, signal });
    });
  });

  await new Promise<void>((res, rej) => {
    child.once('spawn', () => res());
    child.once('error', (e) => rej(new Error(`startRic: could not start ${file}: ${e.message}`)));
  });

  const signalGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig);
    }
  };

  return {
    child,
    stderr: () => err,
    stdout: () => out,
    telemetry: () => Buffer.concat(telemetry),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        await exited;
        return;
      }
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
