#!/usr/bin/env node
import { main } from './main.js';

/** package.json's version, set by scripts/build.mjs (esbuild `define`): the CLI is one file and reads nothing at start. */
declare const __BATON_VERSION__: string;

process.exitCode = main(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  (text) => process.stderr.write(text),
  __BATON_VERSION__,
);
