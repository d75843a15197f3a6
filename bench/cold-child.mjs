// One cold start: a fresh process loads the function (bare, or through the layer's handler
// with the layer's environment) and completes its first invocation, then reports CPU time.
// The parent measures wall time from spawn to the "done" line.
import { readFileSync } from 'node:fs';

const [mode, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = {
  functionName: 'bench',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  getRemainingTimeInMillis: () => 3000,
};
const module = mode === 'bare' ? await import('./fixture/app.mjs') : await import(process.env.BATON_LAYER_HANDLER);
await module.handler(event, context);
const cpu = process.cpuUsage();
process.stdout.write(`done ${(cpu.user + cpu.system) / 1000}\n`);
