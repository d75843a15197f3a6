import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHandler } from '../../src/layer/resolve.js';

/*
 * How the layer loads the function's handler, against real files. A failure must read as the
 * Node runtime's own (aws-lambda-ric's _loadUserApp wraps Node's MODULE_NOT_FOUND error as is).
 */

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'baton-resolve-'));
  const write = (file: string, text: string): void => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('package.json', JSON.stringify({ name: 'fn', private: true }));
  write('app.js', "const pad = require('left-pad-not-installed');\nexports.handler = async () => pad;\n");
  write('src/deep.js', "require('./helper');\nexports.handler = async () => 1;\n");
  write('src/helper.js', "require('also-not-installed');\n");
  write('ok.js', 'exports.handler = async () => 1;\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function initError(handler: string): Promise<Error> {
  try {
    await resolveHandler(root, handler);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${handler} loaded`);
}

describe('resolveHandler', () => {
  it('names the missing package, not the handler, when a CommonJS handler requires one that is not installed', async () => {
    const error = await initError('app.handler');
    expect(error.name).toBe('Runtime.ImportModuleError');
    expect(error.message).toMatch(/^Error: Cannot find module 'left-pad-not-installed'\nRequire stack:\n- .*app\.js/);
    expect(error.message).not.toContain("'app'");
  });

  it('gives the whole require stack when the package is missing deeper down', async () => {
    const error = await initError('src/deep.handler');
    expect(error.name).toBe('Runtime.ImportModuleError');
    expect(error.message).toMatch(/^Error: Cannot find module 'also-not-installed'\nRequire stack:\n- .*src\/helper\.js\n- .*src\/deep\.js/);
  });

  it('names the handler module when its file does not exist', async () => {
    const error = await initError('nope.handler');
    expect(error.name).toBe('Runtime.ImportModuleError');
    expect(error.message).toBe("Error: Cannot find module 'nope'");
  });

  it('loads a handler whose requires are all there', async () => {
    expect(typeof (await resolveHandler(root, 'ok.handler'))).toBe('function');
  });
});
