// The bundled variants of the cold-start benchmarks (bench/cold.mjs, bench/cold-ric.mjs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, '.build');

/** The bundled variants, built as a user's build would: esbuild, everything in one file. */
export async function buildBundles() {
  mkdirSync(out, { recursive: true });
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', minify: true, logLevel: 'error', legalComments: 'none' };
  // A CommonJS dependency inside an ES module bundle needs a require of its own.
  const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
  await Promise.all([
    build({ ...common, entryPoints: [join(here, 'fixture/npm-app.mjs')], outfile: join(out, 'bundled-app.mjs'), banner }),
    build({ ...common, entryPoints: [join(here, 'fixture/otel-app.mjs')], outfile: join(out, 'otel-app.mjs'), banner }),
    build({ ...common, entryPoints: [join(here, 'fixture/floor-app.mjs')], outfile: join(out, 'floor-app.mjs'), banner }),
  ]);
}
