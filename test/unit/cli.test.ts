import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { CONTEXTS_DIR, EVENTS_DIR, expectations, triggerFolders } from '../support/fixtures.js';
import { ensureBuilt } from '../support/ensure-built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/baton.cjs');
const CONTRACT_KEYS = ['attributes', 'baggage', 'faasTrigger', 'links', 'parent', 'spanName', 'trigger'];
const VERSION = (JSON.parse(readFileSync(join(fileURLToPath(new URL('../../', import.meta.url)), 'package.json'), 'utf8')) as { version: string }).version;
const ENV_XRAY = 'Root=1-0f01a7a7-000100000000000000000001;Parent=0f01a7a700010001;Sampled=1;Lineage=a87bd80c:0';

// ---------------------------------------------------------------- building dist once

/*
 * The built CLI is what users run, so it is what these tests spawn. Test files run in
 * parallel and the build script starts by deleting dist/, so builds are serialised with a
 * lock directory and skipped when dist/ is newer than every source file.
 */

// ---------------------------------------------------------------- running the CLI

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawn the built CLI with a clean environment plus `env`. */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'], ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Call `main()` in this process. */
function runMain(args: readonly string[]): Run {
  let stdout = '';
  let stderr = '';
  const code = main(args, (text) => (stdout += text), (text) => (stderr += text), VERSION);
  return { code, stdout, stderr };
}

const event = (trigger: string, name: string): string => join(EVENTS_DIR, trigger, `${name}.json`);
const context = (name: string): string => join(CONTEXTS_DIR, `${name}.json`);

/** stdout is exactly one JSON object (pretty-printed, one trailing newline). */
function parseOne(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('}\n')).toBe(true);
  const value: unknown = JSON.parse(stdout);
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as Record<string, unknown>;
}

/** A usage error: exit 2, nothing on stdout, one `baton:` line on stderr. */
function expectOneLineError(run: Run, pattern: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^baton: [^\n]*\n$/);
  expect(run.stderr).toMatch(pattern);
}

let scratch = '';

beforeAll(async () => {
  await ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  writeFileSync(join(scratch, 'not-json.json'), '{"Records": [\n  {"eventSource": "aws:sqs",\n  oops\n]}\n');
  writeFileSync(join(scratch, 'text.json'), 'hello\nworld\n');
});

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

describe.each([
  ['in process', async (args: readonly string[]) => runMain(args)],
  ['built CLI', (args: readonly string[]) => runCli(args)],
] as const)('baton inspect (%s)', (_how, run) => {
  it('prints one JSON object with exactly the contract keys and exits 0', async () => {
    const result = await run(['inspect', event('apigw-http', 'w3c')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const output = parseOne(result.stdout);
    expect(Object.keys(output).sort()).toEqual(CONTRACT_KEYS);
    expect(output).toMatchObject({ trigger: 'apigw-http', faasTrigger: 'http', parent: { traceId: '0a020003000100000000000000000001' } });
  });

  it('adds records, and only records, for a batch', async () => {
    const result = await run(['inspect', event('sqs', 'batch-mixed')]);
    expect(result.code).toBe(0);
    const output = parseOne(result.stdout);
    expect(Object.keys(output).sort()).toEqual([...CONTRACT_KEYS, 'records'].sort());
    expect(Array.isArray(output['records'])).toBe(true);
  });

  it('reads the client context from --context', async () => {
    const result = await run(['inspect', event('invoke', 'sync-client-context'), '--context', context('client-context-w3c')]);
    expect(result.code).toBe(0);
    expect(parseOne(result.stdout)['parent']).toMatchObject({ source: 'context.clientContext.custom.traceparent' });
  });

  it('turns --env _X_AMZN_TRACE_ID into a link', async () => {
    const result = await run(['inspect', event('apigw-http', 'w3c'), '--env', `_X_AMZN_TRACE_ID=${ENV_XRAY}`]);
    expect(result.code).toBe(0);
    expect(parseOne(result.stdout)['links']).toEqual([
      expect.objectContaining({ traceId: '0f01a7a7000100000000000000000001', source: 'env._X_AMZN_TRACE_ID', attributes: { 'baton.link.source': 'xray-environment' } }),
    ]);
  });

  it('accepts several --env pairs, and values containing "="', async () => {
    const result = await run(['inspect', event('apigw-http', 'w3c'), '--env', 'BATON_XRAY_PARENT=true', '--env', `_X_AMZN_TRACE_ID=${ENV_XRAY}`]);
    expect(result.code).toBe(0);
    expect(parseOne(result.stdout)['parent']).toMatchObject({ source: 'env._X_AMZN_TRACE_ID', lineage: 'a87bd80c:0' });
  });

  it('prints diagnostics on stderr and still exits 0', async () => {
    const result = await run(['inspect', event('apigw-http', 'w3c'), '--env', 'OTEL_PROPAGATORS=jaeger-x1,tracecontext']);
    expect(result.code).toBe(0);
    parseOne(result.stdout);
    expect(result.stderr).toContain('jaeger-x1');
  });

  it('reports a missing event file on one line and exits 2', async () => {
    expectOneLineError(await run(['inspect', join(scratch, 'missing.json')]), /cannot read event .*missing\.json: ENOENT/);
  });

  it('reports a missing context file on one line and exits 2', async () => {
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--context', join(scratch, 'missing.json')]), /cannot read context/);
  });

  it('reports a multi-line file that is not JSON on one line and exits 2', async () => {
    expectOneLineError(await run(['inspect', join(scratch, 'not-json.json')]), /not-json\.json is not JSON/);
    expectOneLineError(await run(['inspect', join(scratch, 'text.json')]), /text\.json is not JSON/);
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--context', join(scratch, 'text.json')]), /context .*text\.json is not JSON/);
  });

  it('prints the usage and exits 2 without arguments, or without an event file', async () => {
    expectOneLineError(await run([]), /usage: baton inspect <event\.json>/);
    expectOneLineError(await run(['inspect']), /usage: baton inspect <event\.json>/);
    expectOneLineError(await run(['explain', event('apigw-http', 'w3c')]), /usage:/);
  });

  it('exits 2 on --env without "=" or without a key', async () => {
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--env', 'BATON_XRAY_PARENT']), /--env expects KEY=VALUE/);
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--env', '=true']), /--env expects KEY=VALUE/);
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--env']), /--env expects KEY=VALUE/);
  });

  it('exits 2 on --context without a file', async () => {
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--context']), /--context expects a file/);
  });

  it('prints the usage on --help and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = await run([flag]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^usage: baton inspect <event\.json>/);
      expect(result.stdout).toContain('--version');
    }
  });

  it("prints the package's version on --version and exits 0", async () => {
    for (const flag of ['--version', '-v']) {
      const result = await run([flag]);
      expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    }
  });

  it('names a span by the function only from --env, whatever the shell holds', async () => {
    const saved = process.env['AWS_LAMBDA_FUNCTION_NAME'];
    process.env['AWS_LAMBDA_FUNCTION_NAME'] = 'from-the-shell';
    try {
      const plain = parseOne((await run(['inspect', event('invoke', 'plain')])).stdout);
      expect(plain['spanName']).toBe('lambda');
      const given = parseOne((await run(['inspect', event('invoke', 'plain'), '--env', 'AWS_LAMBDA_FUNCTION_NAME=orders-api'])).stdout);
      expect(given['spanName']).toBe('orders-api');
      const fromContext = parseOne(
        (await run(['inspect', event('invoke', 'plain'), '--context', context('default'), '--env', 'AWS_LAMBDA_FUNCTION_NAME=orders-api'])).stdout,
      );
      expect(fromContext['spanName']).toBe('order-processor');
    } finally {
      if (saved === undefined) delete process.env['AWS_LAMBDA_FUNCTION_NAME'];
      else process.env['AWS_LAMBDA_FUNCTION_NAME'] = saved;
    }
  });

  it('exits 2 on an unexpected argument', async () => {
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), event('sqs', 'w3c-single')]), /unexpected argument/);
    expectOneLineError(await run(['inspect', event('apigw-http', 'w3c'), '--verbose']), /unexpected argument "--verbose"/);
  });
});

describe('the built CLI', () => {
  it('ignores the environment it runs in: only --env applies', async () => {
    const result = await runCli(['inspect', event('apigw-http', 'w3c')], { _X_AMZN_TRACE_ID: ENV_XRAY, OTEL_PROPAGATORS: 'b3' });
    expect(result.code).toBe(0);
    const output = parseOne(result.stdout);
    const named = await runCli(['inspect', event('invoke', 'plain')], { AWS_LAMBDA_FUNCTION_NAME: 'from-the-shell' });
    expect(parseOne(named.stdout)['spanName']).toBe('lambda');
    expect(output['links']).toEqual([]);
    expect(output['parent']).toMatchObject({ source: 'apigw-http.headers.traceparent' });
  });

  it('exits 0 on every fixture in test/events and names its trigger', async () => {
    const cases = triggerFolders().flatMap((trigger) =>
      Object.entries(expectations(trigger)).map(([name, expected]) => ({ trigger, name, expected })),
    );
    const failures: string[] = [];
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { trigger, name, expected } = next;
        const args = ['inspect', event(trigger, name), ...(expected.context === undefined ? [] : ['--context', context(expected.context)])];
        const result = await runCli(args);
        if (result.code !== 0) failures.push(`${trigger}/${name}: exit ${String(result.code)} ${result.stderr}`);
        else if (parseOne(result.stdout)['trigger'] !== (expected.trigger ?? trigger)) failures.push(`${trigger}/${name}: wrong trigger`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(cases.length).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 120_000);

  it('has every fixture file listed in expected.json, so the previous test covers them all', () => {
    for (const trigger of triggerFolders()) {
      const files = readdirSync(join(EVENTS_DIR, trigger)).filter((f) => f !== 'expected.json').map((f) => f.replace(/\.json$/, ''));
      expect(files.sort()).toEqual(Object.keys(expectations(trigger)).sort());
    }
  });
});
