/**
 * Proves the Runtime API + RIC harness (test/support/runtime-api.ts, test/support/run-ric.ts) against AWS's real
 * Node.js runtime interface client, aws-lambda-ric, built natively by .ci/build-ric.sh.
 *
 * BATON_RIC_DIR points at the built package (default /tmp/ric/node_modules/aws-lambda-ric); without it the suite is
 * skipped, loudly. BATON_RIC_NODE optionally names another node binary to run the RIC with (e.g. a Node 24), the
 * default being the node running vitest.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { RIC_DIR, RIC_PRESENT, RIC_SKIPPED } from '../support/ric.js';
import { startRic, type RicProcess, type StartRicOptions } from '../support/run-ric.js';
import { startRuntimeApi, type RuntimeApi } from '../support/runtime-api.js';

const RIC_NODE = process.env.BATON_RIC_NODE || process.execPath;

const suite = RIC_PRESENT ? describe : describe.skip;
// A skipped run names itself and says how to run the suite (the run prints it once more at the end).
if (!RIC_PRESENT) it.skip(`SKIPPED, aws-lambda-ric is not built: ${RIC_SKIPPED}`, () => undefined);

let fixtures = '';
const running: Array<{ api: RuntimeApi; ric?: RicProcess }> = [];

/** A task root with the given files; its own package.json so no ancestor's `"type"` leaks into the RIC's module detection. */
async function taskRoot(name: string, files: Record<string, string>, type: 'commonjs' | 'module' = 'commonjs'): Promise<string> {
  const dir = join(fixtures, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

async function boot(root: string, handler: string, extra: Partial<StartRicOptions> = {}): Promise<{ api: RuntimeApi; ric: RicProcess }> {
  const api = await startRuntimeApi();
  const entry: { api: RuntimeApi; ric?: RicProcess } = { api };
  running.push(entry);
  const ric = await startRic({
    ricBin: RIC_DIR,
    taskRoot: root,
    handler,
    node: RIC_NODE,
    runtimeApi: api,
    ...extra,
    env: { AWS_LAMBDA_RUNTIME_API: api.address, ...extra.env },
  });
  entry.ric = ric;
  return { api, ric };
}

const CJS_HANDLER = `
let count = 0;
exports.handler = async (event, context) => ({
  kind: typeof require === 'function' && typeof module === 'object' ? 'cjs' : 'esm',
  count: ++count,
  pid: process.pid,
  event,
  awsRequestId: context.awsRequestId,
  invokedFunctionArn: context.invokedFunctionArn,
  functionName: context.functionName,
  remainingMs: context.getRemainingTimeInMillis(),
  xAmznTraceId: process.env._X_AMZN_TRACE_ID,
  cwd: process.cwd(),
});
`;

const ESM_HANDLER = `
let count = 0;
export const handler = async (event, context) => ({
  kind: typeof require === 'undefined' && import.meta.url.startsWith('file:') ? 'esm' : 'cjs',
  count: ++count,
  pid: process.pid,
  event,
  awsRequestId: context.awsRequestId,
});
`;

suite('aws-lambda-ric under the test Runtime API', () => {
  beforeAll(async () => {
    fixtures = await mkdtemp(join(tmpdir(), 'baton-ric-'));
  });

  afterEach(async () => {
    for (const { api, ric } of running.splice(0)) {
      await ric?.stop();
      await api.close();
    }
  });

  afterAll(async () => {
    if (fixtures) await rm(fixtures, { recursive: true, force: true });
  });

  it('has the native addon built', () => {
    expect(existsSync(join(RIC_DIR, 'dist', 'rapid-client.node')), `${RIC_DIR}/dist/rapid-client.node`).toBe(true);
  });

  it('runs a CommonJS handler twice in one warm process', async () => {
    const root = await taskRoot('cjs', { 'index.js': CJS_HANDLER });
    const { api, ric } = await boot(root, 'index.handler');
    const trace = 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1';
    const arn = 'arn:aws:lambda:eu-west-1:111122223333:function:cjs-fn:live';

    const first = await api.invoke({ n: 1 }, { requestId: 'req-cjs-1', traceId: trace, functionArn: arn });
    const second = await api.invoke({ n: 2 }, { requestId: 'req-cjs-2', deadlineMs: Date.now() + 5_000 });

    expect(first.error, ric.stderr()).toBeUndefined();
    expect(first.result).toMatchObject({
      kind: 'cjs',
      count: 1,
      event: { n: 1 },
      awsRequestId: 'req-cjs-1',
      invokedFunctionArn: arn,
      functionName: 'baton-test',
      xAmznTraceId: trace,
      cwd: root,
    });
    expect(second.result).toMatchObject({ kind: 'cjs', count: 2, event: { n: 2 }, awsRequestId: 'req-cjs-2' });
    const r1 = first.result as { pid: number; remainingMs: number };
    const r2 = second.result as { pid: number; remainingMs: number };
    expect(r2.pid).toBe(r1.pid);
    expect(r2.remainingMs).toBeGreaterThan(0);
    expect(r2.remainingMs).toBeLessThanOrEqual(5_000);

    const paths = api.calls.map((c) => `${c.method} ${c.path}`);
    expect(paths).toContain('POST /2018-06-01/runtime/invocation/req-cjs-1/response');
    expect(paths).toContain('POST /2018-06-01/runtime/invocation/req-cjs-2/response');
    expect(paths.filter((p) => p === 'GET /2018-06-01/runtime/invocation/next').length).toBeGreaterThanOrEqual(2); // the poll after the last response may not have arrived yet
  });

  it('runs an ES module (.mjs) handler twice in one warm process', async () => {
    const root = await taskRoot('esm', { 'app.mjs': ESM_HANDLER });
    const { api, ric } = await boot(root, 'app.handler');

    const first = await api.invoke({ n: 1 }, { requestId: 'req-esm-1' });
    const second = await api.invoke({ n: 2 }, { requestId: 'req-esm-2' });

    expect(first.error, ric.stderr()).toBeUndefined();
    expect(first.result).toMatchObject({ kind: 'esm', count: 1, event: { n: 1 }, awsRequestId: 'req-esm-1' });
    expect(second.result).toMatchObject({ kind: 'esm', count: 2, event: { n: 2 }, awsRequestId: 'req-esm-2' });
    expect((second.result as { pid: number }).pid).toBe((first.result as { pid: number }).pid);
  });

  it.each([
    { what: 'an export that does not exist', handler: 'index.nope', errorType: 'Runtime.HandlerNotFound', names: 'index.nope' },
    { what: 'a module that does not exist', handler: 'missing.handler', errorType: 'Runtime.ImportModuleError', names: "'missing'" },
  ])('reports $what as an init error naming the handler, on each of two invocations', async ({ handler, errorType, names }) => {
    const root = await taskRoot(`notfound-${handler.replace(/\W/g, '_')}`, { 'index.js': CJS_HANDLER });

    // Invocation 1: cold start fails in init; Lambda hands the init error back as the invoke's error.
    const first = await boot(root, handler);
    const outcome1 = await first.api.invoke({ n: 1 });
    const initError = await first.api.initError;
    expect(initError.errorType, first.ric.stderr()).toBe(errorType);
    expect(initError.errorMessage).toContain(names);
    expect(outcome1.error).toMatchObject({ errorType, errorMessage: initError.errorMessage });
    expect(await first.ric.exited).toEqual({ code: 129, signal: null });
    const initCall = first.api.calls.find((c) => c.path === '/2018-06-01/runtime/init/error');
    expect(initCall?.headers['lambda-runtime-function-error-type']).toBe(errorType);
    expect(first.api.calls.some((c) => c.path.endsWith('/invocation/next'))).toBe(false);

    // Invocation 2: Lambda re-runs init for the next invoke, which fails the same way.
    const outcome2Promise = first.api.invoke({ n: 2 });
    const again = await startRic({
      ricBin: RIC_DIR,
      taskRoot: root,
      handler,
      node: RIC_NODE,
      runtimeApi: first.api,
      env: { AWS_LAMBDA_RUNTIME_API: first.api.address },
    });
    running.push({ api: first.api, ric: again });
    const outcome2 = await outcome2Promise;
    expect(outcome2.error).toMatchObject({ errorType });
    expect(outcome2.error?.errorMessage).toContain(names);
    expect(first.api.initErrors).toHaveLength(2);
    expect((await again.exited).code).toBe(129);
  });

  it('passes Lambda-Runtime-Client-Context to context.clientContext (and Cognito identity to context.identity)', async () => {
    const root = await taskRoot('client-context', {
      'index.js': 'exports.handler = async (_e, context) => ({ clientContext: context.clientContext ?? null, identity: context.identity ?? null });\n',
    });
    const { api, ric } = await boot(root, 'index.handler');
    const clientContext = {
      client: { installation_id: 'inst-1', app_title: 'baton', app_version_name: '1', app_version_code: '1', app_package_name: 'p' },
      custom: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'baton=1' },
      env: { platform: 'test' },
    };
    const identity = { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' };

    const withCtx = await api.invoke({}, { clientContext, cognitoIdentity: identity });
    const without = await api.invoke({});

    expect(withCtx.error, ric.stderr()).toBeUndefined();
    expect(withCtx.result).toEqual({ clientContext, identity });
    expect(without.result).toEqual({ clientContext: null, identity: null });
  });

  it('reports a thrown error through /invocation/{id}/error and keeps serving', async () => {
    const root = await taskRoot('throws', {
      'index.js': "let n = 0;\nexports.handler = async () => { if (++n === 1) throw new TypeError('boom'); return { n }; };\n",
    });
    const { api, ric } = await boot(root, 'index.handler');

    const failed = await api.invoke({}, { requestId: 'req-err-1' });
    const ok = await api.invoke({}, { requestId: 'req-err-2' });

    expect(failed.error, ric.stderr()).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
    expect(failed.error?.trace?.[0]).toContain('TypeError: boom');
    expect(ok).toEqual({ result: { n: 2 } });
    expect(api.calls.some((c) => c.method === 'POST' && c.path === '/2018-06-01/runtime/invocation/req-err-1/error')).toBe(true);
  });

  it('fails the invocation with Runtime.ExitError when the runtime process dies', async () => {
    const root = await taskRoot('exits', { 'index.js': 'exports.handler = async () => { process.exit(3); };\n' });
    const { api, ric } = await boot(root, 'index.handler');

    const out = await api.invoke({}, { requestId: 'req-exit-1' });

    expect(out.error, ric.stderr()).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: req-exit-1 Error: Runtime exited with error: exit status 3',
    });
  });

  it('applies an exec wrapper the way the Lambda bootstrap does', async () => {
    const root = await taskRoot('wrapped', {
      'index.js': 'exports.handler = async () => ({ wrapped: process.env.BATON_WRAPPED ?? null, wrapper: process.env.AWS_LAMBDA_EXEC_WRAPPER ?? null });\n',
    });
    const wrapper = join(root, 'wrapper.sh');
    const argsFile = join(root, 'wrapper-args.txt');
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexport BATON_WRAPPED=yes\nexec "$@"\n`);
    await chmod(wrapper, 0o755);

    const { api, ric } = await boot(root, 'index.handler', { execWrapper: wrapper });
    const out = await api.invoke({});

    expect(out.error, ric.stderr()).toBeUndefined();
    expect(out.result).toEqual({ wrapped: 'yes', wrapper });
    const args = (await readFile(argsFile, 'utf8')).trim().split('\n');
    expect(args[0]).toBe(RIC_NODE);
    expect(args.at(-2)).toBe(resolve(RIC_DIR, 'bin', 'index.mjs'));
    expect(args.at(-1)).toBe('index.handler');
  });
});
