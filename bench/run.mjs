// `npm run bench`: every figure against an uninstrumented baseline measured in the same run.
//   node bench/run.mjs [--readme]   (--readme writes the table into README.md)
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coldRows, coldStart, ricRows } from './cold.mjs';
import { coldStartUnderRic } from './cold-ric.mjs';
import { coldInstructions, instructionRows } from './cold-instructions.mjs';
import { extraction } from './extract.mjs';
import { logLines } from './logs.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [`${root}layer/build.mjs`], { stdio: 'ignore' });

const warm = (mode) => JSON.parse(execFileSync(process.execPath, ['--no-warnings', `${here}warm.mjs`, mode], { encoding: 'utf8' }));
const us = (n) => `${n.toFixed(1)} µs`;
const ms = (n) => `${n.toFixed(1)} ms`;
const signed = (n) => `${n < 0 ? '−' : '+'}${us(Math.abs(n))}`;

console.error('bench: cold start (paired fresh processes)…');
const cold = await coldStart();
console.error('bench: cold start under aws-lambda-ric…');
const coldRic = await coldStartUnderRic();
console.error('bench: cold start in instructions, under callgrind…');
const coldCounted = await coldInstructions();
console.error('bench: warm invocations…');
// Ours and OpenTelemetry's Lambda instrumentation (the reference), alternated so drift hits
// both alike. Span work is a few microseconds on a shared machine whose speed drifts by half
// between runs: three alternated rounds, and each case reports its median round.
const ROUNDS = 3;
const spanRounds = [];
const otelSpanRounds = [];
for (let round = 0; round < ROUNDS; round++) {
  spanRounds.push(warm('span'));
  otelSpanRounds.push(warm('otel-span'));
}
const span = medianRounds(spanRounds);
const otelSpan = medianRounds(otelSpanRounds);
const exported = warm('export');
const otelExported = warm('otel-export');
console.error('bench: extraction…');
const extract = await extraction();
console.error('bench: console lines under aws-lambda-ric…');
const logs = logLines();
const layerBytes = statSync(`${root}layer/dist/lambda-baton-layer.zip`).size;

/** Per case, the round with the median p50 difference, and the range of all rounds. */
function medianRounds(rounds) {
  return rounds[0].map((first) => {
    const runs = rounds.map((r) => r.find((x) => x.case === first.case)).sort((a, b) => a.deltaP50 - b.deltaP50);
    return { ...runs[Math.floor(runs.length / 2)], range: [runs[0].deltaP50, runs[runs.length - 1].deltaP50] };
  });
}

/** One row per case: our difference from the bare handler, and OTel's difference in its own run. */
function warmRows(label, ours, reference, target) {
  return ours.map((r) => {
    const otel = reference.find((o) => o.case === r.case);
    const versus = otel === undefined ? '' : `; OTel +${us(otel.deltaP50)} / +${us(otel.deltaP99)} (ours ${(r.deltaP50 / otel.deltaP50).toFixed(2)}× at p50)`;
    const spread = r.range === undefined ? '' : ` (rounds: +${r.range[0].toFixed(1)} to +${us(r.range[1])})`;
    return [`${label}, ${r.case}, p50 / p99`, `${us(r.bareP50)} / ${us(r.bareP99)}`, `${us(r.tracedP50)} / ${us(r.tracedP99)}`, `+${us(r.deltaP50)} / +${us(r.deltaP99)}${spread}${versus}`, target(r)];
  });
}

const rows = [
  ...coldRows(cold),
  ...ricRows(coldRic),
  ...instructionRows(coldCounted),
  ...warmRows('warm span work', span, otelSpan, (r) => (r.case.startsWith('API') ? '+10 µs' : '+30 µs')),
  ...warmRows('warm with export to a local receiver', exported, otelExported, () => '+150 µs / +1 ms'),
  ...extract.map((r) => [`extraction alone, ${r.case}, p50 / p99`, '', `${us(r.p50)} / ${us(r.p99)}`, '', '']),
  // The runtime's own console line against the same line with trace ids, alternated in one process.
  ...(logs.rows ?? []).map((r) => [
    `console line, ${r.format}, ${r.case}, p50 / p99`,
    `${us(r.runtime.p50)} / ${us(r.runtime.p99)}`,
    `${us(r.baton.p50)} / ${us(r.baton.p99)}`,
    `${signed(r.baton.p50 - r.runtime.p50)} / ${signed(r.baton.p99 - r.runtime.p99)}`,
    r.case.includes('invocation') ? '+2 µs' : '',
  ]),
  ...(logs.skipped === undefined ? [] : [[`console lines (skipped: ${logs.skipped})`, '', '', '', '']]),
  ['layer zip', '', `${(layerBytes / 1024).toFixed(1)} KB`, '', '≤ 150 KB'],
];
const table = [
  '| measure | baseline | lambda-baton | difference | target |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const machine = `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${cold.pairs} cold-start pairs`;
console.log(`${table}\n\n${machine}`);

if (process.argv.includes('--readme')) {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const block = `<!-- bench:start -->\n${table}\n\nMeasured ${machine}.\n<!-- bench:end -->`;
  writeFileSync(`${root}README.md`, readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block));
}
