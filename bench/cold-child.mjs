// One cold start: a fresh process loads the function one way (see MODULES in cold.mjs) and
// completes its first invocation, then reports CPU time and, from the process's own clock,
// when loading ended and when the first invocation ended. The parent measures wall time
// from spawn to the "done" line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [modulePath, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = {
  functionName: 'bench',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  getRemainingTimeInMillis: () => 3000,
};
const loadStart = performance.now();
const module = await import(modulePath);
const loaded = performance.now();
await module.handler(event, context);
const invoked = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(`done ${(cpu.user + cpu.system) / 1000} ${loadStart} ${loaded} ${invoked}\n`);
