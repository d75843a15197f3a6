// Run in a fresh process by test/unit/cold-start-loads.test.ts: load a function one way and
// print what loading it brought in, before its first invocation, and what that invocation
// brought in after, as JSON:
//   node cold-loads.mjs bare|npm-cjs|npm-esm|layer
// `internals`: node-internal modules (process.moduleLoadList) loaded before the first
// invocation; `files`: the CommonJS files in require.cache (ES modules are not listed there);
// `invocation`: node-internal modules the first invocation loaded, its export to the collector
// (BATON_EXPORT_WAIT=response: until the collector answered) included.
import { createRequire } from 'node:module';

const mode = process.argv[2];
const require = createRequire(import.meta.url);
const before = new Set(process.moduleLoadList);
const bare = async () => ({ statusCode: 200 });
let handler = bare;
if (mode === 'npm-cjs') handler = require('lambda-baton').withTracing(bare);
else if (mode === 'npm-esm') handler = (await import('lambda-baton')).withTracing(bare);
else if (mode === 'layer') handler = (await import(process.env.BATON_LAYER_HANDLER)).handler;
const internals = process.moduleLoadList.filter((name) => !before.has(name));
const files = Object.keys(require.cache);
// Read after the lists above: an `import` of node:fs would build its namespace, which loads
// Node's streams into every mode before `before` is taken. `require` of it loads nothing.
const event = JSON.parse(require('node:fs').readFileSync(new URL('../events/apigw-http/w3c.json', import.meta.url), 'utf8'));
const loaded = new Set(process.moduleLoadList);
const context = { awsRequestId: 'loads-1', functionName: 'loads', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:loads', getRemainingTimeInMillis: () => 3000 };
await handler(event, context);
const invocation = process.moduleLoadList.filter((name) => !loaded.has(name));
process.stdout.write(JSON.stringify({ internals, files, invocation }));
