/**
 * The layer's exec wrapper (layer/baton-wrapper), run as Lambda runs it: `wrapper <runtime
 * command...>`, with the function's handler in _HANDLER (the managed runtime) or as the last
 * argument (a runtime interface client). It must hand the runtime our handler, keep the
 * function's own in BATON_HANDLER, and start no other process on the way (each one is
 * milliseconds of every cold start).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPT = join(ROOT, 'layer/dist/opt');
const WRAPPER = join(OPT, 'baton-wrapper');
const OURS = join(OPT, 'nodejs/node_modules/lambda-baton/handler.handler');

let scratch: string;
let printer: string;
let fakeBin: string;

beforeAll(() => {
  if (!existsSync(WRAPPER)) execFileSync(process.execPath, [join(ROOT, 'layer/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  scratch = mkdtempSync(join(tmpdir(), 'baton-wrapper-'));
  printer = join(scratch, 'print.cjs');
  writeFileSync(printer, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), handler: process.env._HANDLER, original: process.env.BATON_HANDLER }));\n');
  // Commands the wrapper must not run: each leaves a mark if it is.
  fakeBin = join(scratch, 'bin');
  execFileSync('mkdir', [fakeBin]);
  for (const name of ['dirname', 'readlink', 'realpath', 'basename']) {
    const file = join(fakeBin, name);
    writeFileSync(file, `#!/bin/sh\necho ran >> '${join(scratch, 'ran')}'\nexec /usr/bin/${name} "$@"\n`);
    chmodSync(file, 0o755);
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Seen {
  args: string[];
  handler: string | undefined;
  original: string | undefined;
}

function run(wrapper: string, env: Record<string, string>, cwd = ROOT, pathFirst = fakeBin): Seen {
  rmSync(join(scratch, 'ran'), { force: true });
  const out = execFileSync(wrapper, [process.execPath, printer, ...(env['LAST'] === undefined ? [] : [env['LAST']])], {
    cwd,
    encoding: 'utf8',
    env: { PATH: `${pathFirst}:${process.env['PATH'] ?? ''}`, ...env },
  });
  return JSON.parse(out) as Seen;
}

describe('the layer’s exec wrapper', () => {
  it('points the managed runtime at our handler and keeps the function’s in BATON_HANDLER', () => {
    const seen = run(WRAPPER, { _HANDLER: 'src/app.handler' });
    expect(seen).toEqual({ args: [], handler: OURS, original: 'src/app.handler' });
  });

  it('replaces the handler a runtime interface client takes as its last argument', () => {
    const seen = run(WRAPPER, { LAST: 'app.handler' });
    expect(seen).toEqual({ args: [OURS], handler: OURS, original: 'app.handler' });
  });

  it('keeps a BATON_HANDLER already set (the Serverless plugin sets it) over _HANDLER', () => {
    const seen = run(WRAPPER, { BATON_HANDLER: 'handlers/orders.main', _HANDLER: 'ignored.handler', LAST: 'ignored.handler' });
    expect(seen.original).toBe('handlers/orders.main');
    expect(seen.handler).toBe(OURS);
    expect(seen.args).toEqual(['ignored.handler']);
  });

  it('starts no other process when Lambda gives it its absolute path', () => {
    run(WRAPPER, { _HANDLER: 'app.handler' });
    expect(existsSync(join(scratch, 'ran'))).toBe(false);
  });

  it('finds the layer from a relative path and from PATH as well', () => {
    const fromParent = run(`./${relative(dirname(OPT), WRAPPER)}`, { _HANDLER: 'app.handler' }, dirname(OPT));
    expect(existsSync(fromParent.handler?.replace(/\.handler$/, '.mjs') ?? '')).toBe(true);
    const onPath = run('baton-wrapper', { _HANDLER: 'app.handler' }, scratch, `${fakeBin}:${OPT}`);
    expect(onPath.handler).toBe(OURS);
  });
});
