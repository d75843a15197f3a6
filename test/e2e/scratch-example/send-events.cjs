'use strict';
// Sends one SQS message (moto_server), one SNS publish (serverless-offline-sns) and one EventBridge
// PutEvents (serverless-offline-aws-eventbridge) for serverless.events.yml.
// Uses aws-sdk v2, which osls 3 already depends on. Ports from env: MOTO_PORT, SNS_PORT, EB_PORT.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
const AWS = require('aws-sdk');
const cfg = { region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test' };
const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
(async () => {
  const sqs = new AWS.SQS({ ...cfg, endpoint: `http://127.0.0.1:${process.env.MOTO_PORT}` });
  const { QueueUrl } = await sqs.getQueueUrl({ QueueName: 'q1' }).promise();
  await sqs.sendMessage({
    QueueUrl, MessageBody: 'hi-sqs',
    MessageAttributes: { traceparent: { DataType: 'String', StringValue: tp } },
    MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' } },
  }).promise();
  const sns = new AWS.SNS({ ...cfg, endpoint: `http://127.0.0.1:${process.env.SNS_PORT}` });
  await sns.publish({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:my-topic', Message: 'hi-sns', MessageAttributes: { traceparent: { DataType: 'String', StringValue: tp } } }).promise();
  const eb = new AWS.EventBridge({ ...cfg, endpoint: `http://127.0.0.1:${process.env.EB_PORT}` });
  await eb.putEvents({ Entries: [{ Source: 'baton.test', DetailType: 'x', Detail: JSON.stringify({ traceparent: tp }), EventBusName: 'default' }] }).promise();
  console.log('sent');
})().catch((e) => { console.error('ERR', e.code, e.message); process.exit(1); });
