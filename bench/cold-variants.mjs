// The cold-start benchmarks' variants: what each one loads, how its process is started and the
// environment it starts with. Shared by the fresh-process runs (bench/cold.mjs) and the
// instruction counts (bench/cold-instructions.mjs).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELS } from './labels.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, '.build');
const event = join(here, '../test/events/apigw-http/w3c.json');
const layerHandler = join(here, '../layer/dist/opt/nodejs/node_modules/lambda-baton/handler.mjs');
// Lambda starts a function with the layer through its exec wrapper (AWS_LAMBDA_EXEC_WRAPPER), a
// bash script: its start is part of the layer's cold start, so the layer variant runs through it.
const layerWrapper = join(here, '../layer/dist/opt/baton-wrapper');

/** What each variant loads, and how it is told where the collector is. */
export const VARIANTS = {
  bare: { label: LABELS.bare, module: join(here, 'fixture/app.mjs') },
  npm: { label: LABELS.npm, module: join(here, 'fixture/npm-app.mjs'), collector: true },
  layer: { label: LABELS.layer, module: layerHandler, collector: true, layer: true },
  redirect: { label: LABELS.redirect, module: layerHandler, collector: true, redirect: true },
  bundled: { label: LABELS.bundled, module: join(out, 'bundled-app.mjs'), collector: true },
  otel: { label: LABELS.otel, module: join(out, 'otel-app.mjs'), collector: true },
  floor: { label: LABELS.floor, module: join(out, 'floor-app.mjs'), collector: true },
};

/** The command that starts one cold start of `variant`: Node, through the layer's wrapper for the layer. */
export function commandFor(variant) {
  const command = [process.execPath, '--no-warnings', join(here, 'cold-child.mjs'), variant.module, event];
  return variant.layer ? [layerWrapper, ...command] : command;
}

/** The environment a variant's process starts with, the collector at `sinkUrl`. */
export function envFor(variant, sinkUrl) {
  return {
    PATH: process.env.PATH,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    // By name, as functions reach the collector extension (http://localhost:4318, the OTLP default).
    ...(variant.collector ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl.replace('127.0.0.1', 'localhost') } : {}),
    // The function's own handler, as Lambda sets it; the wrapper moves it to BATON_HANDLER.
    ...(variant.layer ? { _HANDLER: 'app.handler', AWS_LAMBDA_EXEC_WRAPPER: layerWrapper, LAMBDA_TASK_ROOT: join(here, 'fixture') } : {}),
    ...(variant.redirect ? { _HANDLER: '/opt/nodejs/node_modules/lambda-baton/handler.handler', BATON_HANDLER: 'app.handler', LAMBDA_TASK_ROOT: join(here, 'fixture') } : {}),
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
  };
}
