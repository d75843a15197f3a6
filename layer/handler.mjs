// The handler the runtime loads when the layer is attached (see baton-wrapper). An ES module,
// so the user's handler, ES module or CommonJS, is loaded during init with top-level await.
import baton from './index.cjs';

export const handler = await baton.createLayerHandler();
