// Run in a fresh process by test/unit/cold-start-loads.test.ts: load a function one way and
// print what loading it brought in, before its first invocation, as JSON:
//   node cold-loads.mjs bare|npm-cjs|npm-esm|layer
// `internals`: node-internal modules (process.moduleLoadList) beyond what a bare function
// loads; `files`: the CommonJS files in require.cache (ES modules are not listed there).
import { createRequire } from 'node:module';

const mode = process.argv[2];
const require = createRequire(import.meta.url);
const before = new Set(process.moduleLoadList);
const handler = async () => ({ statusCode: 200 });
if (mode === 'npm-cjs') require('lambda-baton').withTracing(handler);
else if (mode === 'npm-esm') (await import('lambda-baton')).withTracing(handler);
else if (mode === 'layer') await import(process.env.BATON_LAYER_HANDLER);
const internals = process.moduleLoadList.filter((name) => !before.has(name));
const files = Object.keys(require.cache);
process.stdout.write(JSON.stringify({ internals, files }));
