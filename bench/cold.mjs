// Cold start in paired fresh processes: the bare middy handler against each way a function
// loads lambda-baton, and OpenTelemetry's own instrumentation bundled, for comparison.
//   node bench/cold.mjs [npm|layer|redirect|bundled|otel|floor ...] [--readme]   (BENCH_COLD_PAIRS, default 20)
// Then the same paths under aws-lambda-ric (bench/cold-ric.mjs), when BATON_RIC_DIR has it, and
// counted in instructions under callgrind (bench/cold-instructions.mjs), when valgrind is installed.
// --readme writes the cold-start rows into README's table; `npm run bench` measures everything.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildBundles } from './bundles.mjs';
import { paired, startSinkProcess } from './lib.mjs';
import { VARIANTS, commandFor, envFor } from './cold-variants.mjs';
import { REFERENCES } from './labels.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pairs = Math.max(15, Number(process.env.BENCH_COLD_PAIRS ?? 20));

function once(variant, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const [file, ...args] = commandFor(variant);
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /done ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
      if (match) {
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        const [cpuMs, loadStart, loaded, invoked] = match.slice(1).map(Number);
        resolve({ wallMs, cpuMs, loadMs: loaded - loadStart, firstMs: invoked - loaded });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`${variant.label} exited ${code}`)));
  });
}

export async function coldStart({ variants = Object.keys(VARIANTS) } = {}) {
  await buildBundles();
  const sink = await startSinkProcess();
  const names = ['bare', ...variants.filter((n) => n !== 'bare')];
  const rows = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) await once(VARIANTS[n], envFor(VARIANTS[n], sink.url)); // warm the file system cache
  const before = await sink.requests();
  for (let i = 0; i < pairs; i++) {
    // Rotate the order so drift hits every variant alike.
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const n of order) rows[n].push(await once(VARIANTS[n], envFor(VARIANTS[n], sink.url)));
  }
  const exports = (await sink.requests()) - before;
  await sink.close();
  const expected = pairs * names.filter((n) => VARIANTS[n].collector).length;
  if (exports < expected) throw new Error(`cold start: the sink received ${exports} exports, expected ${expected}`);
  const result = { pairs, variants: {} };
  for (const n of names.filter((n) => n !== 'bare')) {
    result.variants[n] = {
      label: VARIANTS[n].label,
      wall: paired(rows, n, 'wallMs'),
      cpu: paired(rows, n, 'cpuMs'),
      load: paired(rows, n, 'loadMs'),
      first: paired(rows, n, 'firstMs'),
    };
  }
  return result;
}

/** Per way of loading, wall and CPU: paired median ratio and added time, with the range over the pairs. */
export function coldRows(result, { under = '', wall = 'wall (fresh process → first invocation done)' } = {}) {
  if (result.skipped !== undefined) return [[`cold start${under} (skipped: ${result.skipped})`, '', '', '', '']];
  const ms = (n) => `${n.toFixed(1)} ms`;
  const x = (n) => `${n.toFixed(2)}×`;
  const signed = (n) => `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(1)}`;
  return Object.entries(result.variants).flatMap(([name, v]) =>
    ['wall', 'cpu'].map((k) => {
      const f = v[k];
      const what = k === 'wall' ? wall : 'CPU';
      const target = REFERENCES.has(name) ? 'reference' : '≤ 1.10×, +12 ms';
      return [`cold start${under}, ${v.label}, ${what}`, ms(f.bare), ms(f.traced), `${x(f.ratio)} (${signed(f.delta)} ms; pairs ${x(f.ratioRange[0])} to ${x(f.ratioRange[1])})`, target];
    }),
  );
}

/** The rows of a run under aws-lambda-ric (bench/cold-ric.mjs). */
export const ricRows = (result) => coldRows(result, { under: ' under aws-lambda-ric', wall: 'wall (runtime start → first response)' });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --readme: replace only the cold-start rows of README's table (npm run bench rewrites all).
  const readme = process.argv.includes('--readme');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const result = await coldStart(only.length > 0 ? { variants: only } : {});
  console.log(JSON.stringify(result, null, 2));
  // The same paths under the runtime interface client, when it is built (it is skipped otherwise).
  const { RIC_VARIANTS, coldStartUnderRic } = await import('./cold-ric.mjs');
  const underRic = await coldStartUnderRic({ variants: RIC_VARIANTS.filter((n) => only.length === 0 || only.includes(n)) });
  console.log(JSON.stringify(underRic, null, 2));
  // And counted in instructions under callgrind, when valgrind is installed (skipped otherwise).
  const { COUNTED_VARIANTS, coldInstructions, instructionRows } = await import('./cold-instructions.mjs');
  const counted = await coldInstructions({ variants: COUNTED_VARIANTS.filter((n) => only.length === 0 || only.includes(n)) });
  console.log(JSON.stringify(counted, null, 2));
  if (readme) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { cpus } = await import('node:os');
    const file = join(here, '../README.md');
    const rows = [...coldRows(result), ...ricRows(underRic), ...instructionRows(counted)].map((r) => `| ${r.join(' | ')} |`);
    const lines = readFileSync(file, 'utf8').split('\n');
    const first = lines.findIndex((l) => l.startsWith('| cold start'));
    const kept = lines.filter((l) => !l.startsWith('| cold start') && !l.startsWith('Cold-start rows measured'));
    kept.splice(first, 0, ...rows);
    const end = kept.indexOf('<!-- bench:end -->');
    kept.splice(end, 0, `Cold-start rows measured ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${result.pairs} pairs.`);
    writeFileSync(file, kept.join('\n'));
  }
}
