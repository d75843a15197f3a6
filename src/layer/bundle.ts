/**
 * The layer's single bundle: the public API plus the layer entry, in one module instance,
 * so `require('lambda-baton')` from user code and the layer's handler share one tracer.
 */
export * from '../index.js';
export { createLayerHandler } from './handler.js';
