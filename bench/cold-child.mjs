// One cold start: a fresh process loads the function one way (see VARIANTS in cold.mjs) and
// completes its first invocation, then reports CPU time and, from the process's own clock,
// when loading ended and when the first invocation ended. The parent measures wall time
// from spawn to the "done" line.
//
// The clock is process.hrtime, not `performance`: the first use of `performance` (global or
// node:perf_hooks) loads Node's perf_hooks modules, 2.4 ms on Node 22 here, and Lambda's
// runtime does not load them. Read here, they would be loaded before the function and their
// cost hidden from every variant that reads the clock (OpenTelemetry's Span does).
import { readFileSync } from 'node:fs';

const [modulePath, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = {
  functionName: 'bench',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  getRemainingTimeInMillis: () => 3000,
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const loadStart = now();
const module = await import(modulePath);
const loaded = now();
await module.handler(event, context);
const invoked = now();
const cpu = process.cpuUsage();
process.stdout.write(`done ${(cpu.user + cpu.system) / 1000} ${loadStart} ${loaded} ${invoked}\n`);
