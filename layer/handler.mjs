// The handler the runtime loads when the layer is attached (see baton-wrapper). An ES module,
// so the user's handler, ES module or CommonJS, is loaded during init with top-level await.
import { createRequire } from 'node:module';

// require, not import: import() of a CommonJS file first scans its source for named exports,
// which measured several times the cost of loading it.
const baton = createRequire(import.meta.url)('./index.cjs');

export const handler = await baton.createLayerHandler();
