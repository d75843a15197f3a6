// The function behind the layer in test/unit/cold-start-loads.test.ts: nothing of its own to load.
export const handler = async () => ({ statusCode: 200 });
