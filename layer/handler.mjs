// The handler the runtime loads when the layer is attached (see baton-wrapper). An ES module,
// so the user's handler, ES module or CommonJS, is loaded during init with top-level await.
//
// require, not import: import() of a CommonJS file first scans its source for named exports,
// which measured several times the cost of loading it. And createRequire from
// process.getBuiltinModule, not an `import` of node:module: that builds the module's whole ES
// namespace, which loaded Node's source-map support too (0.8 against 0.3 ms, Node 22).
const baton = process.getBuiltinModule('node:module').createRequire(import.meta.url)('./index.cjs');

export const handler = await baton.createLayerHandler();
