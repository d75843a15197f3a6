'use strict';
// Receiver for sqs / sns / eventBridge events (serverless.events.yml).
const { isMainThread } = require('node:worker_threads');
exports.handler = async (event, context) => {
  const r = event.Records && event.Records[0];
  const src = r ? r.eventSource || r.EventSource : event.source;
  console.log(`[REC ${process.env.WHO}] mainThread=${isMainThread} src=${src} clientContext=${JSON.stringify(context.clientContext)} ${JSON.stringify(event)}`);
  return 'ok';
};
