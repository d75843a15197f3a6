// Cost of trace ids on console lines, under aws-lambda-ric (BATON_RIC_DIR, as the tests use it),
// in each of Lambda's log formats, the lines going to a telemetry descriptor as on Lambda
// (opened on /dev/null). One process per format: the runtime reads the format once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixture/', import.meta.url));

export function logLines() {
  const ric = process.env.BATON_RIC_DIR ?? '/tmp/ric/node_modules/aws-lambda-ric';
  if (!existsSync(join(ric, 'bin/index.mjs'))) return { skipped: `no aws-lambda-ric at ${ric}` };
  const rows = [];
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-logs-'));
  try {
    for (const format of ['TEXT', 'JSON']) {
      const out = join(dir, `${format}.json`);
      const devNull = openSync('/dev/null', 'w');
      const result = spawnSync(process.execPath, ['--no-warnings', join(ric, 'bin/index.mjs'), 'logs-app.handler'], {
        cwd: fixture,
        stdio: ['ignore', 'ignore', 'pipe', devNull],
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          // The RIC's addon reads it when loaded; the fixture exits during init, before any request.
          AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9',
          _LAMBDA_TELEMETRY_LOG_FD: '3',
          AWS_LAMBDA_LOG_FORMAT: format,
          AWS_LAMBDA_FUNCTION_NAME: 'bench',
          OTEL_TRACES_EXPORTER: 'none',
          BENCH_OUT: out,
          ...(process.env.BENCH_ITERATIONS ? { BENCH_ITERATIONS: process.env.BENCH_ITERATIONS } : {}),
          ...(process.env.BENCH_WARMUP ? { BENCH_WARMUP: process.env.BENCH_WARMUP } : {}),
        },
      });
      if (result.status !== 0) throw new Error(`bench logs (${format}): exit ${result.status}: ${result.stderr}`);
      for (const row of JSON.parse(readFileSync(out, 'utf8'))) rows.push({ ...row, format: format.toLowerCase() });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(logLines(), null, 2));
