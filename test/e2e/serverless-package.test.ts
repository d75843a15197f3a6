/**
 * `serverless package` (osls, the v3 line) of the root serverless.yml, with no AWS account:
 * the one CloudFormation call a layer makes is answered by test/support/stub-aws.cjs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SLS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true' };
let out = '';

async function packageService(cwd: string, target: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--require', join(ROOT, 'test/support/stub-aws.cjs'), SLS, 'package', '--package', target], { cwd, env: { ...env, ...extraEnv }, timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'baton-package-'));
});
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('the Serverless Framework plugin', () => {
  let template: Template;

  beforeAll(async () => {
    const result = await packageService(ROOT, join(out, 'root'));
    expect(result.code, result.output).toBe(0);
    template = JSON.parse(await readFile(join(out, 'root', 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 180_000);

  it('attaches the layer built from this package to every Node.js function', () => {
    expect(template.Resources['BatonTracingLambdaLayer']?.Type).toBe('AWS::Lambda::LayerVersion');
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(6);
    for (const fn of functions) expect(fn.Properties['Layers']).toContainEqual({ Ref: 'BatonTracingLambdaLayer' });
  });

  it('redirects handlers to the layer and keeps the original in BATON_HANDLER', () => {
    const api = template.Resources['ApiLambdaFunction']?.Properties;
    expect(api?.['Handler']).toBe('/opt/nodejs/node_modules/lambda-baton/handler.handler');
    expect(api?.['Environment'].Variables).toMatchObject({
      BATON_HANDLER: 'example/api.handler',
      OTEL_PROPAGATORS: 'tracecontext,baggage,b3,xray',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      BATON_SDK_CLIENTS: 'true',
      BATON_PAYLOAD_ENVELOPE: 'true',
      BATON_EXPORT_WAIT: 'sent',
    });
  });

  it('lets a function override custom.baton', () => {
    expect(template.Resources['AuditLambdaFunction']?.Properties['Environment'].Variables.OTEL_TRACES_SAMPLER).toBe('always_on');
  });

  async function service(name: string, yaml: string): Promise<string> {
    const dir = join(out, name);
    await rm(dir, { recursive: true, force: true });
    await run('mkdir', ['-p', join(dir, 'src')]);
    await writeFile(join(dir, 'serverless.yml'), yaml);
    await writeFile(join(dir, 'src/app.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    await writeFile(join(dir, 'src/app.py'), 'def handler(event, context):\n    return 1\n');
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }

  const base = (custom: string, functions: string) => `service: probe
frameworkVersion: '3'
configValidationMode: error
provider: { name: aws, runtime: nodejs22.x, region: us-east-1 }
package: { excludeDevDependencies: false, patterns: ['!node_modules/**'] }
plugins: [lambda-baton/serverless]
custom:
  baton:
${custom}
functions:
${functions}
`;

  it('rejects a typo in custom.baton with an error naming the key', async () => {
    const dir = await service('typo', base('    endpoint: http://localhost:4318\n    samplr: always_on', '  app: { handler: src/app.handler }'));
    const result = await packageService(dir, join(dir, 'out'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/samplr/);
  }, 120_000);

  it('skips functions on other runtimes, saying so, and honours baton: false', async () => {
    const dir = await service(
      'mixed',
      base(
        '    layer: arn:aws:lambda:us-east-1:123456789012:layer:lambda-baton:3',
        '  app: { handler: src/app.handler }\n  py: { handler: src/app.handler, runtime: python3.12 }\n  off: { handler: src/app.handler, baton: false }',
      ),
    );
    const result = await packageService(dir, join(dir, 'out'));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/py is skipped: runtime python3\.12/);
    const t: Template = JSON.parse(await readFile(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'));
    expect(t.Resources['AppLambdaFunction']?.Properties['Layers']).toEqual(['arn:aws:lambda:us-east-1:123456789012:layer:lambda-baton:3']);
    expect(t.Resources['PyLambdaFunction']?.Properties['Handler']).toBe('src/app.handler');
    expect(t.Resources['OffLambdaFunction']?.Properties['Handler']).toBe('src/app.handler');
    expect(t.Resources['BatonTracingLambdaLayer']).toBeUndefined();
  }, 120_000);

  it('rejects a value out of bounds, naming the key, even where the framework only warns', async () => {
    // With `configValidationMode: warn` (the v3 default) the framework's schema check only warns: the plugin's own check must stop it.
    const yaml = base('    samplerArg: 5\n    flushTimeoutMs: -3', '  app: { handler: src/app.handler }').replace('configValidationMode: error', 'configValidationMode: warn');
    const dir = await service('bounds', yaml);
    const result = await packageService(dir, join(dir, 'out'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/samplerArg/);
    expect(result.output).toMatch(/flushTimeoutMs/);
  }, 120_000);

  it("packages the README's example as written, sending the collector key only when it is set", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### 4. The Serverless Framework plugin'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const dir = await service(
      'readme',
      `service: probe\nframeworkVersion: '3'\nconfigValidationMode: error\nprovider: { name: aws, runtime: nodejs22.x, region: us-east-1 }\npackage: { excludeDevDependencies: false, patterns: ['!node_modules/**'] }\n${example}`,
    );
    await writeFile(join(dir, 'src/api.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    await writeFile(join(dir, 'src/legacy.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    const variables = async (target: string, extra: Record<string, string>) => {
      const result = await packageService(dir, join(dir, target), extra);
      expect(result.code, result.output).toBe(0);
      const t: Template = JSON.parse(await readFile(join(dir, target, 'cloudformation-template-update-stack.json'), 'utf8'));
      return t.Resources['ApiLambdaFunction']?.Properties['Environment'].Variables as Record<string, string>;
    };
    const unset = await variables('unset', {});
    expect(unset).toMatchObject({ BATON_HANDLER: 'src/api.handler', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318', BATON_SDK_CLIENTS: 'true' });
    expect(unset).not.toHaveProperty('OTEL_EXPORTER_OTLP_HEADERS');
    expect(await variables('set', { COLLECTOR_KEY: 's3cr3t' })).toMatchObject({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr3t' });
  }, 180_000);
});
