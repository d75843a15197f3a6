// CJS (.cjs) handler; under `offline start` the baton-probe plugin points function c at .baton/wrapper.handler.
exports.handler = async (event) => ({ from: 'c.cjs', handlerEnv: process.env._HANDLER, original: process.env.BATON_ORIGINAL_HANDLER, event });
