import type { TestProject } from 'vitest/node';
import { RIC_PRESENT, RIC_SKIPPED, RIC_SUITES } from './ric.js';

/**
 * vitest globalSetup: when a run included a RIC suite and aws-lambda-ric is not built, say so once, after the run,
 * with how to run them, so that a green `npm test` does not read as "the layer works under the RIC".
 */
export default function setup(project: TestProject): () => void {
  return () => {
    if (RIC_PRESENT) return;
    const ran = project.vitest.state.getFiles().some((file) => RIC_SUITES.some((suite) => file.filepath.endsWith(suite)));
    if (ran) process.stdout.write(`\n[lambda-baton tests] NOTE: ${RIC_SKIPPED}\n\n`);
  };
}
