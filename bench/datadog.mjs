// Datadog propagation (issue 16): what reading Datadog by default costs every invocation, and
// the id conversion it uses. Each pair runs in alternated rounds in one process; the figures
// to compare are the ratios, not the absolute times.
//   node --no-warnings bench/datadog.mjs
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { loadEvent } from './lib.mjs';

const src = (path) => JSON.stringify(fileURLToPath(new URL(`../src/${path}`, import.meta.url)));
const { outputFiles } = await build({
  stdin: {
    contents: `export { extractInvocation } from ${src('propagation/extract.ts')};
export { createPropagation } from ${src('propagation/propagators.ts')};
export { decimalToHex16, hex16ToDecimal } from ${src('propagation/datadog.ts')};`,
    resolveDir: '.',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
});
const { extractInvocation, createPropagation, decimalToHex16, hex16ToDecimal } = await import(
  `data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`
);

const ROUNDS = 9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median ns per call of each function over alternated rounds. */
function compare(cases, inputs, perRound) {
  const times = cases.map(() => []);
  let sink = 0;
  for (let round = 0; round < ROUNDS + 1; round++) {
    // Alternate the order too, so neither case always runs on a warmer process.
    const order = round % 2 === 0 ? cases.map((_, c) => c) : cases.map((_, c) => cases.length - 1 - c);
    order.forEach((c) => {
      const run = cases[c][1];
      const start = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) sink += run(inputs[i % inputs.length]) === undefined ? 0 : 1;
      const ns = Number(process.hrtime.bigint() - start) / perRound;
      if (round > 0) times[c].push(ns); // round 0 warms up
    });
  }
  if (sink < 0) console.log(sink);
  return cases.map(([name], c) => ({ name, ns: median(times[c]) }));
}

// 1. Decimal <-> hex: BigInt against a conversion in two 32-bit halves (the alternative that avoids BigInt).
const TWO32 = 4294967296;
function halvesToHex(value) {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < value.length; i++) {
    const x = lo * 10 + (value.charCodeAt(i) - 48);
    const carry = Math.floor(x / TWO32);
    lo = x - carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= TWO32) return undefined;
  }
  return hi === 0 && lo === 0 ? undefined : hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
function halvesToDecimal(hex) {
  // Long division by 10^7 over four 16-bit limbs.
  const limbs = [0, 4, 8, 12].map((i) => parseInt(hex.slice(i, i + 4), 16));
  let out = '';
  while (limbs.some((l) => l !== 0)) {
    let rest = 0;
    for (let i = 0; i < 4; i++) {
      const x = rest * 65536 + limbs[i];
      limbs[i] = Math.floor(x / 1e7);
      rest = x % 1e7;
    }
    out = (limbs.some((l) => l !== 0) ? String(rest).padStart(7, '0') : String(rest)) + out;
  }
  return out || '0';
}
const decimals = Array.from({ length: 1024 }, (_, i) => ((BigInt(i + 1) * 0x9e3779b97f4a7c15n) & ((1n << 64n) - 1n)).toString());
const hexes = decimals.map((d) => BigInt(d).toString(16).padStart(16, '0'));
for (let i = 0; i < decimals.length; i++) {
  if (halvesToHex(decimals[i]) !== decimalToHex16(decimals[i]) || halvesToDecimal(hexes[i]) !== hex16ToDecimal(hexes[i])) {
    throw new Error(`conversions disagree on ${decimals[i]}`);
  }
}
const conversions = [
  ...compare([['decimal to hex, BigInt (ours)', decimalToHex16], ['decimal to hex, 32-bit halves', halvesToHex]], decimals, 200_000),
  ...compare([['hex to decimal, BigInt (ours)', hex16ToDecimal], ['hex to decimal, 16-bit limbs', halvesToDecimal]], hexes, 200_000),
];

// 2. Extraction with the default propagators against the previous default (no Datadog), same run.
const withDatadog = { propagation: createPropagation(undefined), xrayEnvironmentAsParent: false };
const without = { propagation: createPropagation(['tracecontext', 'baggage', 'b3', 'xray']), xrayEnvironmentAsParent: false };
const context = { awsRequestId: 'r' };
const events = [
  ['API Gateway REST, W3C', loadEvent('apigw-rest', 'w3c')],
  ['API Gateway HTTP, no context', loadEvent('apigw-http', 'no-context')],
  ['SQS batch of 10, mixed carriers', loadEvent('sqs', 'batch-mixed')],
  ['SNS, no context', loadEvent('sns', 'no-context')],
];
const extraction = [];
for (const [label, event] of events) {
  // A fresh copy per call, as Lambda delivers: made outside the timed region.
  const copies = Array.from({ length: 512 }, () => structuredClone(event));
  const [a, b] = compare(
    [
      ['default (with Datadog)', (e) => extractInvocation(e, context, withDatadog, {})],
      ['previous default', (e) => extractInvocation(e, context, without, {})],
    ],
    copies,
    20_000,
  );
  extraction.push({ case: label, withDatadog: a.ns, previous: b.ns, ratio: a.ns / b.ns });
}
const datadogEvents = [
  ['API Gateway HTTP, Datadog 128-bit', loadEvent('apigw-http', 'datadog-128bit')],
  ['SQS, Binary _datadog', loadEvent('sqs', 'datadog-binary')],
  ['API Gateway HTTP, W3C', loadEvent('apigw-http', 'w3c')],
];
const found = [];
for (const [label, event] of datadogEvents) {
  const copies = Array.from({ length: 512 }, () => structuredClone(event));
  const [r] = compare([[label, (e) => extractInvocation(e, context, withDatadog, {})]], copies, 20_000);
  found.push({ case: label, ns: r.ns });
}

const f = (ns) => `${ns.toFixed(0)} ns`;
console.log(`node ${process.version}, medians of ${ROUNDS} alternated rounds`);
for (const c of conversions) console.log(`${c.name.padEnd(40)} ${f(c.ns)}`);
for (const e of extraction) {
  console.log(`${`extraction, ${e.case}`.padEnd(52)} ${f(e.withDatadog)} vs ${f(e.previous)} previous default (x${e.ratio.toFixed(2)})`);
}
for (const e of found) console.log(`${`extraction, ${e.case}`.padEnd(52)} ${f(e.ns)}`);
