// Extraction alone (issue 2): detection plus reading every context an event carries.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { loadEvent, summarise } from './lib.mjs';

const entry = fileURLToPath(new URL('../src/propagation/extract.ts', import.meta.url));
const { outputFiles } = await build({ stdin: { contents: `export { extractInvocation } from ${JSON.stringify(entry)}; export { createPropagation } from ${JSON.stringify(fileURLToPath(new URL('../src/propagation/propagators.ts', import.meta.url)))};`, resolveDir: '.', loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', write: false });
const { extractInvocation, createPropagation } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);

export async function extraction(iterations = Number(process.env.BENCH_ITERATIONS ?? 20000)) {
  const settings = { propagation: createPropagation(undefined), xrayEnvironmentAsParent: false };
  const rows = [];
  for (const [label, event] of [['API Gateway', loadEvent('apigw-rest', 'w3c')], ['SQS batch of 10, W3C', loadEvent('sqs', 'batch-w3c')], ['SQS batch of 10, mixed carriers', loadEvent('sqs', 'batch-mixed')]]) {
    const context = { awsRequestId: 'r' };
    const samples = [];
    for (let i = 0; i < iterations + 2000; i++) {
      // A fresh event each time, as Lambda delivers: no cache survives between invocations.
      const copy = structuredClone(event);
      const start = process.hrtime.bigint();
      extractInvocation(copy, context, settings, {});
      if (i >= 2000) samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    rows.push({ case: label, ...summarise(samples) });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await extraction(), null, 2));
