// How each way of loading lambda-baton is named in the README's table, one name for the
// fresh-process rows (bench/cold.mjs) and the aws-lambda-ric rows (bench/cold-ric.mjs) alike;
// test/unit/readme-numbers.test.ts finds the rows by these names.
export const LABELS = {
  bare: 'bare middy handler (baseline)',
  npm: 'npm package as installed (node_modules, unbundled)',
  layer: 'the layer, through its exec wrapper',
  // The layer's other set-up, and the one the Serverless plugin writes: the function's handler
  // set to the layer's, the function's own in BATON_HANDLER, no wrapper.
  redirect: "the layer, handler set to the layer's (as the Serverless plugin does)",
  bundled: 'bundled into the handler with esbuild',
  otel: "OpenTelemetry's Lambda instrumentation, bundled with esbuild",
  // Not lambda-baton: what any tracer pays at least (bench/fixture/floor-app.mjs).
  floor: 'the floor: the API with its context manager, one connection, one request written, bundled (no lambda-baton)',
};

/** The variants measured for comparison, not ways of loading lambda-baton: their rows have no target. */
export const REFERENCES = new Set(['otel', 'floor']);
