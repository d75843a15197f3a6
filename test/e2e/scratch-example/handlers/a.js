'use strict';
// CJS handler behind httpApi GET /a. Invokes B through the serverless-offline Lambda endpoint.
// The SDK reads AWS_ENDPOINT_URL_LAMBDA (serverless-offline copies every AWS_* variable of the
// `osls offline` process into the handler's env); without it the SDK would try the real AWS.
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const { isMainThread } = require('node:worker_threads');

const client = new LambdaClient({ region: process.env.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64');

exports.handler = async (event, context) => {
  const sync = await client.send(new InvokeCommand({
    FunctionName: process.env.B_FUNCTION_NAME,
    InvocationType: 'RequestResponse',
    Payload: JSON.stringify({ via: 'RequestResponse' }),
    ClientContext: b64({ custom: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }),
  }));
  const evt = await client.send(new InvokeCommand({
    FunctionName: process.env.B_FUNCTION_NAME,
    InvocationType: 'Event',
    Payload: JSON.stringify({ via: 'Event' }),
    ClientContext: b64({ custom: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01' } }),
  }));
  return {
    statusCode: 200,
    body: JSON.stringify({
      isMainThread,
      ownClientContext: context.clientContext ?? null,
      sync: { status: sync.StatusCode, payload: JSON.parse(Buffer.from(sync.Payload).toString()) },
      event: { status: evt.StatusCode },
      env: Object.fromEntries(Object.entries(process.env)
        .filter(([k]) => /^(AWS_LAMBDA_|AWS_REGION|_HANDLER|LAMBDA_|IS_OFFLINE|SHARED_VAR|FN_VAR|AWS_ENDPOINT_URL_LAMBDA)/.test(k))),
    }),
  };
};
