/**
 * The layer, zero code change, under AWS's own runtime interface client (aws-lambda-ric,
 * built by .ci/build-ric.sh), driven by a Runtime API on 127.0.0.1, with the built layer
 * unpacked in a folder standing in for /opt and its exec wrapper applied as Lambda applies it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws } from '../support/fake-aws.js';
import type { FakeAws } from '../support/fake-aws.js';
import { loadEvent } from '../support/fixtures.js';
import { logLines } from '../support/log-lines.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';
import { RIC_DIR, RIC_PRESENT, RIC_SKIPPED } from '../support/ric.js';
import { startRic } from '../support/run-ric.js';
import type { RicProcess } from '../support/run-ric.js';
import { startRuntimeApi } from '../support/runtime-api.js';
import type { RuntimeApi } from '../support/runtime-api.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const OPT = join(ROOT, 'layer/dist/opt');
const major = Number(process.versions.node.split('.')[0]);
const minor = Number(process.versions.node.split('.')[1]);
// In-thread module hooks (module.registerHooks) arrived in Node 22.15; Lambda runs 22 and 24.
const HAS_HOOKS = major > 22 || (major === 22 && minor >= 15);

// CI builds the RIC first; skipping there would hide a broken layer.
if (!RIC_PRESENT && process.env.CI) throw new Error(`aws-lambda-ric is missing at ${RIC_DIR}: run .ci/build-ric.sh`);
const suite = RIC_PRESENT ? describe : describe.skip;
// A skipped run names itself and says how to run the suite (the run prints it once more at the end).
if (!RIC_PRESENT) it.skip(`SKIPPED, aws-lambda-ric is not built: ${RIC_SKIPPED}`, () => undefined);

let fixtures = '';
let receiver: OtlpReceiver;
let lambdaEndpoint: { server: Server; url: string; requests: { headers: IncomingHttpHeaders; body: string }[] };
const running: { api: RuntimeApi; ric: RicProcess }[] = [];

async function taskRoot(name: string, files: Record<string, string>, type: 'commonjs' | 'module' = 'commonjs'): Promise<string> {
  const dir = join(fixtures, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

/** Start the function under aws-lambda-ric, through the layer's exec wrapper unless `layer` is false. */
async function boot(
  root: string,
  handler: string,
  env: Record<string, string> = {},
  { layer = true, telemetryLogFd = false }: { readonly layer?: boolean; readonly telemetryLogFd?: boolean } = {},
) {
  const api = await startRuntimeApi();
  const ric = await startRic({
    ricBin: RIC_DIR,
    taskRoot: root,
    handler,
    runtimeApi: api,
    telemetryLogFd,
    ...(layer ? { execWrapper: join(OPT, 'baton-wrapper') } : {}),
    env: {
      AWS_LAMBDA_RUNTIME_API: api.address,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'layer-test',
      NODE_PATH: join(OPT, 'nodejs/node_modules'),
      ...env,
    },
  });
  running.push({ api, ric });
  return { api, ric };
}

const HANDLER_BODY = `async (event, context) => ({ statusCode: 200, body: JSON.stringify({ active: !!globalThis[Symbol.for('opentelemetry.js.api.1')]?.trace, request: context.awsRequestId }) })`;

suite('the layer under aws-lambda-ric', () => {
  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'layer/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
    fixtures = await mkdtemp(join(tmpdir(), 'baton-layer-'));
    receiver = await startOtlpReceiver();
    const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    lambdaEndpoint = { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
  });
  beforeEach(() => {
    receiver.reset();
    lambdaEndpoint.requests.length = 0;
  });
  afterEach(async () => {
    for (const { api, ric } of running.splice(0)) {
      await ric.stop();
      await api.close();
    }
  });
  afterAll(async () => {
    await receiver?.close();
    lambdaEndpoint?.server.close();
    if (fixtures) await rm(fixtures, { recursive: true, force: true });
  });

  const kinds: [string, () => Promise<{ root: string; handler: string }>][] = [
    ['CommonJS .js', async () => ({ root: await taskRoot('cjs', { 'index.js': `exports.handler = ${HANDLER_BODY};` }), handler: 'index.handler' })],
    ['.js under "type": "module"', async () => ({ root: await taskRoot('esm-js', { 'app.js': `export const handler = ${HANDLER_BODY};` }, 'module'), handler: 'app.handler' })],
    ['.mjs in a subfolder', async () => ({ root: await taskRoot('mjs', { 'src/app.mjs': `export const handler = ${HANDLER_BODY};` }), handler: 'src/app.handler' })],
    ['.cjs', async () => ({ root: await taskRoot('cjs-ext', { 'legacy.cjs': `module.exports.handler = ${HANDLER_BODY};` }), handler: 'legacy.handler' })],
    ['a nested export', async () => ({ root: await taskRoot('nested', { 'app.js': `exports.nested = { handler: ${HANDLER_BODY} };` }), handler: 'app.nested.handler' })],
    [
      'an esbuild bundle with non-configurable getter exports',
      async () => {
        const root = await taskRoot('bundled', { 'src.js': `export const handler = ${HANDLER_BODY};` }, 'module');
        await build({ entryPoints: [join(root, 'src.js')], outfile: join(root, 'dist/bundle.cjs'), bundle: true, format: 'cjs', platform: 'node', logLevel: 'silent' });
        return { root, handler: 'dist/bundle.handler' };
      },
    ],
  ];

  for (const [kind, make] of kinds) {
    it(`wraps ${kind} with no code change: span, parent from the event, export before the response`, async () => {
      const { root, handler } = await make();
      const { api, ric } = await boot(root, handler);
      const event = loadEvent('apigw-http', 'w3c');
      const first = await api.invoke(event);
      const second = await api.invoke(event);
      expect(first.error, ric.stderr()).toBeUndefined();
      expect(JSON.parse((first.result as { body: string }).body).active).toBe(true);
      expect(second.result).toBeDefined();
      // Both invocations' spans were sent before their responses; the receiver, in this
      // process, may not have read the second yet when the runtime API hands us the result.
      await receiver.waitForSpans(2, 2_000);
      expect(receiver.spans).toHaveLength(2);
      const [, traceId, parentId] = event.headers.traceparent.split('-');
      for (const span of receiver.spans) expect(span).toMatchObject({ traceId, parentSpanId: parentId, name: 'GET /orders/{id}' });
      expect(receiver.spans.map((s) => s.attributes['faas.coldstart'])).toEqual([true, false]);
      expect(receiver.spans[0]?.resource['service.name']).toBe('layer-test');
      // The RIC's own X-Ray header is a link, never the parent.
      expect(receiver.spans[0]?.links.some((l) => l.attributes['baton.link.source'] === 'xray-environment')).toBe(true);
    });
  }

  const wrappedKinds: [string, () => Promise<{ root: string; handler: string }>][] = [
    [
      "withTracing from the layer's own lambda-baton",
      async () => ({
        root: await taskRoot('wrapped-layer', { 'index.js': `const { withTracing } = require('lambda-baton');\nexports.handler = withTracing(${HANDLER_BODY});` }),
        handler: 'index.handler',
      }),
    ],
    [
      'withTracing from a copy of lambda-baton bundled into the function',
      async () => {
        const root = await taskRoot('wrapped-bundled', {
          'src.js': `import { withTracing } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};\nexport const handler = withTracing(${HANDLER_BODY});`,
        }, 'module');
        await build({ entryPoints: [join(root, 'src.js')], outfile: join(root, 'dist/bundle.cjs'), bundle: true, format: 'cjs', platform: 'node', logLevel: 'silent' });
        return { root, handler: 'dist/bundle.handler' };
      },
    ],
  ];
  for (const [kind, make] of wrappedKinds) {
    it(`gives one span per invocation to a handler wrapped with ${kind}`, async () => {
      const { root, handler } = await make();
      const { api, ric } = await boot(root, handler);
      const event = loadEvent('apigw-http', 'w3c');
      for (let i = 0; i < 3; i++) expect((await api.invoke(event)).error, ric.stderr()).toBeUndefined();
      await receiver.waitForSpans(3, 2_000);
      // Let a second span per invocation, if one were sent, arrive before counting.
      await api.invoke(loadEvent('sqs', 'w3c-single'));
      await receiver.waitForSpans(4, 2_000);
      expect(receiver.spans.map((s) => s.name)).toEqual(['GET /orders/{id}', 'GET /orders/{id}', 'GET /orders/{id}', 'process orders-queue']);
    });
  }

  for (const [format, source] of [['text', 'stdout'], ['json', 'telemetry']] as const) {
    it(`puts the invocation span's ids on the handler's console lines, ${format} format on ${source}, with no code change`, async () => {
      const root = await taskRoot(`logs-${format}`, {
        'index.js': `console.log('layer init line');
exports.handler = async () => {
  console.log('layer line');
  await new Promise((r) => setTimeout(r, 1));
  console.warn('layer later', { n: 1 });
  process.stdout.write('own writer done\\n');
  return { statusCode: 200 };
};`,
      });
      const { api, ric } = await boot(root, 'index.handler', { AWS_LAMBDA_LOG_FORMAT: format.toUpperCase() }, { telemetryLogFd: source === 'telemetry' });
      const event = loadEvent('apigw-http', 'w3c');
      expect((await api.invoke(event)).error, ric.stderr()).toBeUndefined();
      const [span] = await receiver.waitForSpans(1);
      for (let i = 0; i < 500 && !ric.stdout().includes('own writer done'); i++) await new Promise((r) => setTimeout(r, 10));
      const lines = logLines(ric, format, source);
      const ids = { traceId: span!.traceId, spanId: span!.spanId, flags: '01' };
      expect(lines.map((l) => [l.level, l.message, l.ids])).toEqual([
        ['INFO', 'layer init line', undefined],
        ['INFO', 'layer line', ids],
        ['WARN', 'layer later { n: 1 }', ids],
      ]);
    });
  }

  it('fails init naming the module when the handler file does not exist', async () => {
    const root = await taskRoot('missing', { 'index.js': 'exports.handler = async () => 1;' });
    const { api } = await boot(root, 'nope.handler');
    const error = await api.initError;
    expect(error.errorType).toBe('Runtime.ImportModuleError');
    expect(error.errorMessage).toContain("'nope'");
  });

  it('fails init as the runtime does, naming the missing package and its require stack, when a CommonJS handler requires one that is not installed', async () => {
    const root = await taskRoot('missing-dependency', {
      'index.js': "const pad = require('left-pad-not-installed');\nexports.handler = async () => pad;\n",
    });
    const plain = await (await boot(root, 'index.handler', {}, { layer: false })).api.initError;
    const layered = await (await boot(root, 'index.handler')).api.initError;
    expect(plain.errorType).toBe('Runtime.ImportModuleError');
    expect(layered.errorType).toBe(plain.errorType);
    const firstLines = (message: string) => message.split('\n').slice(0, 3);
    // The runtime's own require stack continues into its own files, ours into the layer's.
    expect(firstLines(layered.errorMessage)).toEqual(firstLines(plain.errorMessage));
    expect(firstLines(layered.errorMessage)).toEqual([
      "Error: Cannot find module 'left-pad-not-installed'",
      'Require stack:',
      `- ${join(root, 'index.js')}`,
    ]);
  });

  it('fails init naming the handler when the export does not exist', async () => {
    const root = await taskRoot('no-export', { 'index.js': 'exports.handler = async () => 1;' });
    const { api } = await boot(root, 'index.missing');
    const error = await api.initError;
    expect(error.errorType).toBe('Runtime.HandlerNotFound');
    expect(error.errorMessage).toContain('index.missing');
  });

  const clientKinds: [string, 'commonjs' | 'module', string][] = [
    ['required', 'commonjs', `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');\nexports.handler = `],
    ['imported', 'module', `import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';\nexport const handler = `],
  ];
  for (const [how, type, prelude] of clientKinds) {
    const run = how === 'imported' && !HAS_HOOKS ? it.skip : it;
    run(`instruments a Lambda client ${how} from the function's node_modules without code change`, async () => {
      const root = await taskRoot(`client-${how}`, {
        'index.js': `${prelude}async (event) => {
  const client = new LambdaClient({ endpoint: process.env.FAKE_LAMBDA, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const out = await client.send(new InvokeCommand({ FunctionName: 'orders-worker', Payload: JSON.stringify({ n: 1 }) }));
  return { statusCode: out.StatusCode };
};`,
      }, type);
      // The function's own copy of the SDK, as a deployment package would have it.
      await mkdir(join(root, 'node_modules'), { recursive: true });
      await symlink(join(ROOT, 'node_modules/@aws-sdk'), join(root, 'node_modules/@aws-sdk'), 'dir');
      const { api, ric } = await boot(root, 'index.handler', { FAKE_LAMBDA: lambdaEndpoint.url });
      const outcome = await api.invoke(loadEvent('apigw-http', 'w3c'));
      expect(outcome.error, ric.stderr()).toBeUndefined();
      const header = lambdaEndpoint.requests[0]?.headers['x-amz-client-context'];
      expect(header, 'the invoke carried no client context').toBeDefined();
      const custom = JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')).custom;
      await receiver.waitForSpans(2, 2_000); // the invocation's SERVER span and its CLIENT span
      const client = receiver.spans.find((s) => s.kind === 3);
      expect(custom.traceparent).toBe(`00-${client?.traceId}-${client?.spanId}-01`);
      expect(client?.attributes['faas.invoked_name']).toBe('orders-worker');
    });
  }

  const messagingKinds: [string, 'commonjs' | 'module', string][] = [
    ['required', 'commonjs', `const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');\nconst { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');\nexports.handler = `],
    ['imported', 'module', `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nimport { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nexport const handler = `],
  ];
  for (const [how, type, prelude] of messagingKinds) {
    const run = how === 'imported' && !HAS_HOOKS ? it.skip : it;
    run(`instruments SQS and SNS clients ${how} from the function's node_modules without code change`, async () => {
      let aws: FakeAws | undefined;
      try {
        aws = await startFakeAws();
        const root = await taskRoot(`messaging-${how}`, {
          'index.js': `${prelude}async (event) => {
  const config = { endpoint: process.env.FAKE_AWS, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
  await new SQSClient(config).send(new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders', MessageBody: 'order' }));
  await new SNSClient(config).send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:updates', Message: 'order' }));
  return { statusCode: 200 };
};`,
        }, type);
        await mkdir(join(root, 'node_modules'), { recursive: true });
        await symlink(join(ROOT, 'node_modules/@aws-sdk'), join(root, 'node_modules/@aws-sdk'), 'dir');
        const { api, ric } = await boot(root, 'index.handler', { FAKE_AWS: aws.url });
        const outcome = await api.invoke(loadEvent('apigw-http', 'w3c'));
        expect(outcome.error, ric.stderr()).toBeUndefined();
        await receiver.waitForSpans(3, 2_000); // the invocation's SERVER span and two PRODUCER spans
        const producers = receiver.spans.filter((s) => s.kind === 4);
        expect(producers.map((s) => s.name).sort()).toEqual(['publish updates', 'send orders']);
        const sent = aws.requests.find((r) => r.operation === 'SendMessage')!;
        const sqsSpan = producers.find((s) => s.name === 'send orders')!;
        expect(JSON.parse(sent.body).MessageAttributes.traceparent.StringValue).toBe(`00-${sqsSpan.traceId}-${sqsSpan.spanId}-01`);
        const published = new URLSearchParams(aws.requests.find((r) => r.operation === 'Publish')!.body);
        const snsSpan = producers.find((s) => s.name === 'publish updates')!;
        expect(published.get('MessageAttributes.entry.1.Name')).toBe('traceparent');
        expect(published.get('MessageAttributes.entry.1.Value.StringValue')).toBe(`00-${snsSpan.traceId}-${snsSpan.spanId}-01`);
      } finally {
        await aws?.close();
      }
    });
  }
});
