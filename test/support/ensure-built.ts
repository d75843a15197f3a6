import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Build dist/ once for tests that run the built package (the CLI, the package exports) when a
 * file is run on its own; `npm test` builds first. Test files run in parallel and the build
 * starts by deleting dist/, so builds are serialised with a lock directory and skipped when
 * dist/ is newer than every source file.
 */
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const OUTPUTS = ['dist/cli/baton.cjs', 'dist/index.js', 'dist/index.cjs'].map((p) => join(ROOT, p));

function newestInput(): number {
  let newest = Math.max(statSync(join(ROOT, 'package.json')).mtimeMs, statSync(join(ROOT, 'scripts/build.mjs')).mtimeMs);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

function isBuilt(): boolean {
  if (!OUTPUTS.every((p) => existsSync(p))) return false;
  return Math.min(...OUTPUTS.map((p) => statSync(p).mtimeMs)) >= newestInput();
}

export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), `lambda-baton-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left over from a killed run.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 170_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await sleep(250);
    }
  }
  try {
    if (isBuilt()) return;
    try {
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
    } catch (error) {
      // The declarations step (tsc) may fail on work in progress; the bundles are what tests run.
      if (!isBuilt()) throw error;
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
