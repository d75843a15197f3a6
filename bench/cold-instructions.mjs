// Cold start in instructions: each way of loading lambda-baton, and the bare handler, run as in
// bench/cold.mjs (fresh process to first invocation done, exporting to a local sink), under
// valgrind's callgrind, which counts the instructions every thread executed. Counts repeat to a
// few tenths of a percent from run to run, however loaded the machine is (bench/callgrind.mjs),
// so they tell which part of a cold start a change made cheaper where wall times cannot; and
// they split the cold start into parsing and compiling, garbage collection, and the rest.
// What they leave out is time not spent executing instructions in the process: the kernel's
// work (exec, page faults, file reads) and waiting. The layer's exec wrapper, a bash script
// that execs Node, is therefore not among these rows; its cost is in the wall rows.
//   node bench/cold-instructions.mjs [npm|redirect|bundled|otel|floor ...]   (BENCH_CALLGRIND_RUNS, default 3)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundles } from './bundles.mjs';
import { readCallgrind } from './callgrind.mjs';
import { VARIANTS, commandFor, envFor } from './cold-variants.mjs';
import { REFERENCES } from './labels.mjs';
import { median, startSinkProcess } from './lib.mjs';

const runs = Math.max(1, Number(process.env.BENCH_CALLGRIND_RUNS ?? 3));
/** The variants counted: every one but the layer through its wrapper (see above). */
export const COUNTED_VARIANTS = ['npm', 'redirect', 'bundled', 'otel', 'floor'];

/** Why the count cannot run here, or undefined. */
function unavailable() {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0 ? undefined : 'valgrind is not installed';
}

/** One cold start under callgrind: the counts of its profile. */
function counted(variant, env, dir, n) {
  const file = join(dir, `callgrind.${n}`);
  const [command, ...args] = commandFor(variant);
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 || !out.includes('done ')) return reject(new Error(`${variant.label} under callgrind exited ${code}: ${err.slice(-500)}`));
      resolve(readCallgrind(readFileSync(file, 'utf8')));
    });
  });
}

export async function coldInstructions({ variants = COUNTED_VARIANTS } = {}) {
  const why = unavailable();
  if (why !== undefined) return { skipped: why };
  await buildBundles();
  const sink = await startSinkProcess();
  const dir = mkdtempSync(join(tmpdir(), 'baton-callgrind-'));
  const names = ['bare', ...variants.filter((n) => n !== 'bare' && n !== 'layer')];
  try {
    // Two at a time: counts do not depend on what else runs, and this machine has two cores.
    const jobs = names.flatMap((name) => Array.from({ length: runs }, (_, i) => ({ name, i })));
    const results = Object.fromEntries(names.map((n) => [n, []]));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { name, i } = jobs[next++];
        results[name].push(await counted(VARIANTS[name], envFor(VARIANTS[name], sink.url), dir, `${name}.${i}`));
      }
    };
    await Promise.all([worker(), worker()]);
    const summary = (name) => {
      const list = results[name];
      const kinds = Object.fromEntries(Object.keys(list[0].kinds).map((k) => [k, median(list.map((r) => r.kinds[k]))]));
      const totals = list.map((r) => r.total);
      return { total: median(totals), range: [Math.min(...totals), Math.max(...totals)], kinds };
    };
    const bare = summary('bare');
    const result = { runs, bare, variants: {} };
    for (const name of names.filter((n) => n !== 'bare')) {
      const traced = summary(name);
      const added = Object.fromEntries(Object.entries(traced.kinds).map(([k, v]) => [k, v - bare.kinds[k]]));
      result.variants[name] = { label: VARIANTS[name].label, ...traced, ratio: traced.total / bare.total, delta: traced.total - bare.total, added };
    }
    return result;
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** README rows: the ratio to the bare handler's count, and what the added instructions did. */
export function instructionRows(result) {
  if (result.skipped !== undefined) return [[`cold start instructions (skipped: ${result.skipped})`, '', '', '', '']];
  const m = (n) => `${(n / 1e6).toFixed(1)} M`;
  const signed = (n) => `${n < 0 ? '−' : '+'}${(Math.abs(n) / 1e6).toFixed(1)} M`;
  return Object.entries(result.variants).map(([name, v]) => {
    const split = Object.entries(v.added)
      .map(([kind, n]) => `${kind === 'other' ? 'the rest' : kind} ${signed(n)}`)
      .join(', ');
    const target = REFERENCES.has(name) ? 'reference' : '≤ 1.10×';
    return [`cold start instructions, ${v.label}`, m(result.bare.total), m(v.total), `${v.ratio.toFixed(2)}× (${signed(v.delta)}: ${split}; runs ${m(v.range[0])} to ${m(v.range[1])})`, target];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const result = await coldInstructions(only.length > 0 ? { variants: only } : {});
  console.log(JSON.stringify(result, null, 2));
  for (const row of instructionRows(result)) console.log(`| ${row.join(' | ')} |`);
}
