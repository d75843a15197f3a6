// The example service (serverless.yml) running locally: moto_server as SQS, SNS and
// EventBridge (the topic and the rule both deliver to the queue), serverless
// offline (osls, the Serverless Framework v3 line) for HTTP and the Lambda API, and a poller
// that plays Lambda's SQS event source mapping. Used by the demo and the end-to-end test.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SERVICE = 'baton-demo-dev';
const QUEUE = 'baton-demo-orders';
const TOPIC = 'baton-demo-orders-fanout';
const QUEUE_ARN = `arn:aws:sqs:us-east-1:123456789012:${QUEUE}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `check()` does; rejects after `ms`, quoting `what`. */
async function waitFor(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/**
 * @param {{ otlpEndpoint: string, protocol?: string, log?: (line: string) => void }} options
 */
export async function startLocalStack({ otlpEndpoint, protocol = 'http/json', log = () => {} }) {
  const [httpPort, lambdaPort, motoPort] = [await freePort(), await freePort(), await freePort()];
  const children = [];
  const output = { moto: '', offline: '' };
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    log(`starting moto_server (SQS, SNS, EventBridge) on 127.0.0.1:${motoPort}`);
    const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(moto);
    moto.stdout.on('data', (d) => (output.moto += d));
    moto.stderr.on('data', (d) => (output.moto += d));
    const motoUrl = `http://127.0.0.1:${motoPort}`;
    await waitFor('moto_server', async () => (await fetch(`${motoUrl}/moto-api/`)).status < 500, 30_000);
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
    // SNS → SQS (raw delivery off: the queue gets the notification) and EventBridge → SQS.
    const sns = new SNSClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
    const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: TOPIC }));
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: QUEUE_ARN }));
    const events = new EventBridgeClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
    await events.send(new PutRuleCommand({ Name: 'baton-demo-orders', EventPattern: JSON.stringify({ source: ['shop.orders'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'baton-demo-orders', Targets: [{ Id: 'orders-queue', Arn: QUEUE_ARN }] }));

    log(`starting serverless offline (HTTP on ${httpPort}, Lambda API on ${lambdaPort})`);
    const offline = spawn(
      process.execPath,
      [`${root}node_modules/serverless/bin/serverless.js`, 'offline', 'start', '--host', '127.0.0.1', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), '--noTimeout'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${lambdaPort}`,
          AWS_ENDPOINT_URL_SQS: motoUrl,
          AWS_ENDPOINT_URL_SNS: motoUrl,
          AWS_ENDPOINT_URL_EVENTBRIDGE: motoUrl,
          DEMO_QUEUE_URL: queueUrl,
          DEMO_TOPIC_ARN: topicArn,
          OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          NODE_OPTIONS: '--no-warnings',
        },
      },
    );
    children.push(offline);
    offline.stdout.on('data', (d) => (output.offline += d));
    offline.stderr.on('data', (d) => (output.offline += d));
    await waitFor('serverless offline', () => {
      if (offline.exitCode !== null) throw Object.assign(new Error(`serverless offline exited:\n${output.offline}`), { fatal: true });
      return output.offline.includes('Server ready:');
    }, 60_000).catch((error) => {
      throw new Error(`${error.message}\n${output.offline}`);
    });

    const lambda = new LambdaClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${lambdaPort}`, credentials });
    return {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
      queueUrl,
      output,
      functionName: (key) => `${SERVICE}-${key}`,
      /** Invoke a function directly, as the Lambda API would. */
      invoke: async (key, event, invocationType = 'RequestResponse') => {
        const out = await lambda.send(new InvokeCommand({ FunctionName: `${SERVICE}-${key}`, InvocationType: invocationType, Payload: JSON.stringify(event) }));
        const text = Buffer.from(out.Payload ?? []).toString();
        return text === '' ? undefined : JSON.parse(text);
      },
      /**
       * Lambda's SQS event source mapping, locally: receive what is on the queue (with every
       * attribute), deliver it to the consumer as the SQS event AWS sends, delete it.
       */
      deliverQueue: async (consumer, { waitSeconds = 5 } = {}) => {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
        const messages = received.Messages ?? [];
        if (messages.length === 0) return 0;
        const Records = messages.map((m) => ({
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body,
          attributes: m.Attributes ?? {},
          messageAttributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, stringListValues: [], binaryListValues: [], dataType: v.DataType }]),
          ),
          md5OfMessageAttributes: m.MD5OfMessageAttributes ?? null,
          md5OfBody: m.MD5OfBody,
          eventSource: 'aws:sqs',
          eventSourceARN: QUEUE_ARN,
          awsRegion: 'us-east-1',
        }));
        await lambda.send(new InvokeCommand({ FunctionName: `${SERVICE}-${consumer}`, Payload: JSON.stringify({ Records }) }));
        for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        return messages.length;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
