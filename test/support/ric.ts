import { existsSync } from 'node:fs';

/**
 * Where the RIC suites (test/integration/ric-harness.test.ts, layer-ric.test.ts) find AWS's runtime interface
 * client, aws-lambda-ric, built natively by .ci/build-ric.sh; without it they are skipped, and the run says so
 * (test/support/ric-notice.ts).
 */
export const RIC_DIR = process.env['BATON_RIC_DIR'] ?? '/tmp/ric/node_modules/aws-lambda-ric';
export const RIC_PRESENT = existsSync(RIC_DIR);
export const RIC_SUITES = ['test/integration/ric-harness.test.ts', 'test/integration/layer-ric.test.ts'];
export const RIC_SKIPPED =
  `aws-lambda-ric not found at ${RIC_DIR}, so the RIC suites (${RIC_SUITES.join(', ')}) were SKIPPED. ` +
  'To run them: `bash .ci/build-ric.sh` (2-3 minutes; installs autoconf automake libtool cmake make g++ python3 with apt-get when missing), ' +
  'then `BATON_RIC_DIR=/tmp/ric/node_modules/aws-lambda-ric npm test` (or put the build elsewhere: `bash .ci/build-ric.sh DIR`, `BATON_RIC_DIR=DIR/node_modules/aws-lambda-ric`).';
