import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRecord, withTracing } from '../../src/index.js';
import { getTracing } from '../../src/tracer/provider.js';
import { exportsAnswered } from '../support/exports.js';
import { expectations, loadContext, loadEvent, triggerFolders } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.js';

/*
 * Nothing secret leaves the function. Every fixture event of every trigger gets secrets of
 * twenty kinds in every place its trigger has (headers, cookies, query, baggage, bodies, the
 * client context, message attributes, records' payloads...), runs through `withTracing` (each
 * record under `withRecord`), and what a real OTLP receiver on 127.0.0.1 got, spans, links,
 * events and resource alike, must hold none of them.
 */

/** One distinct value per kind, so a leak says which kind leaked. */
const SECRETS = {
  authorizationHeader: 'Bearer s3cr3t-authorization-header',
  cookieHeader: 's3cr3t-cookie-header',
  apiKeyHeader: 's3cr3t-x-api-key-header',
  proxyAuthorizationHeader: 'Basic s3cr3t-proxy-authorization',
  securityTokenHeader: 's3cr3t-x-amz-security-token-header',
  cookiesArray: 's3cr3t-cookies-array',
  queryToken: 's3cr3t-query-token',
  queryPassword: 's3cr3t-query-password',
  querySignature: 's3cr3t-query-x-amz-signature',
  queryAccessKey: 's3cr3t-query-awsaccesskeyid',
  baggageValue: 's3cr3t-baggage-value',
  body: 's3cr3t-request-body',
  base64Body: 's3cr3t-base64-body',
  authorizerClaim: 's3cr3t-authorizer-claim',
  identityApiKey: 's3cr3t-identity-api-key',
  stageVariable: 's3cr3t-stage-variable',
  clientContextCustom: 's3cr3t-client-context-custom',
  clientContextEnv: 's3cr3t-client-context-env',
  messageAttribute: 's3cr3t-message-attribute',
  messagePayload: 's3cr3t-message-payload',
  streamImage: 's3cr3t-dynamodb-image',
  envelopeBaggage: 's3cr3t-envelope-baggage',
} as const;
type Kind = keyof typeof SECRETS;

/** Exported, by the conventions, from where the secrets also are: proves the search sees the spans. */
const VISIBLE_PATH_MARKER = 'visible-path-marker';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Secrets of every kind an event of this shape can carry, and which kinds were placed. */
function plant(event: Json, placed: Set<Kind>): void {
  const put = (kind: Kind): string => {
    placed.add(kind);
    return SECRETS[kind];
  };
  const headers = {
    authorization: () => put('authorizationHeader'),
    cookie: () => `session=${put('cookieHeader')}`,
    'x-api-key': () => put('apiKeyHeader'),
    'proxy-authorization': () => put('proxyAuthorizationHeader'),
    'x-amz-security-token': () => put('securityTokenHeader'),
  };
  const withBaggage = (value: unknown): string => {
    const secret = `session=${put('baggageValue')}`;
    return typeof value === 'string' && value !== '' ? `${value},${secret}` : secret;
  };
  if (isObject(event['headers'])) {
    const h = event['headers'];
    for (const [name, value] of Object.entries(headers)) h[name] = value();
    h['baggage'] = withBaggage(h['baggage']);
  }
  if (isObject(event['multiValueHeaders'])) {
    const h = event['multiValueHeaders'];
    for (const [name, value] of Object.entries(headers)) h[name] = [value()];
    const baggage = h['baggage'];
    h['baggage'] = [withBaggage(Array.isArray(baggage) ? baggage[0] : undefined)];
  }
  const http = isObject(event['headers']) || isObject(event['multiValueHeaders']);
  if (http) {
    const query = `token=${put('queryToken')}&password=${put('queryPassword')}&X-Amz-Signature=${put('querySignature')}&AWSAccessKeyId=${put('queryAccessKey')}`;
    if (typeof event['rawQueryString'] === 'string') event['rawQueryString'] = event['rawQueryString'] === '' ? query : `${event['rawQueryString']}&${query}`;
    const params = Object.fromEntries(query.split('&').map((pair) => pair.split('=') as [string, string]));
    event['queryStringParameters'] = { ...(isObject(event['queryStringParameters']) ? event['queryStringParameters'] : {}), ...params };
    if (isObject(event['multiValueQueryStringParameters']) || isObject(event['multiValueHeaders'])) {
      event['multiValueQueryStringParameters'] = {
        ...(isObject(event['multiValueQueryStringParameters']) ? event['multiValueQueryStringParameters'] : {}),
        ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
      };
    }
    if (event['version'] === '2.0' || Array.isArray(event['cookies'])) event['cookies'] = [`session=${put('cookiesArray')}`];
    event['body'] = JSON.stringify({ password: put('body') });
    event['stageVariables'] = { dbPassword: put('stageVariable') };
    const rc = isObject(event['requestContext']) ? event['requestContext'] : (event['requestContext'] = {});
    rc['authorizer'] = { jwt: { claims: { email: put('authorizerClaim') } }, lambda: { token: SECRETS.authorizerClaim } };
    rc['identity'] = { ...(isObject(rc['identity']) ? rc['identity'] : {}), apiKey: put('identityApiKey'), accessKey: SECRETS.identityApiKey };
    if (typeof rc['http'] === 'object' && isObject(rc['http'])) rc['http']['path'] = `/${VISIBLE_PATH_MARKER}`;
    if (typeof event['rawPath'] === 'string') event['rawPath'] = `/${VISIBLE_PATH_MARKER}`;
    if (typeof event['path'] === 'string') event['path'] = `/${VISIBLE_PATH_MARKER}`;
  }
  if (Array.isArray(event['Records'])) {
    for (const record of event['Records']) {
      if (!isObject(record)) continue;
      if (isObject(record['messageAttributes'])) {
        record['messageAttributes']['Authorization'] = { stringValue: put('messageAttribute'), dataType: 'String' };
      }
      if (typeof record['body'] === 'string') record['body'] = addToJson(record['body'], put('messagePayload'));
      const sns = record['Sns'];
      if (isObject(sns)) {
        sns['MessageAttributes'] = { ...(isObject(sns['MessageAttributes']) ? sns['MessageAttributes'] : {}), Authorization: { Type: 'String', Value: put('messageAttribute') } };
        if (typeof sns['Message'] === 'string') sns['Message'] = addToJson(sns['Message'], put('messagePayload'));
        sns['Subject'] = SECRETS.messagePayload;
      }
      const kinesis = record['kinesis'];
      if (isObject(kinesis) && typeof kinesis['data'] === 'string') {
        const text = Buffer.from(kinesis['data'], 'base64').toString('utf8');
        kinesis['data'] = b64(addToJson(text, put('messagePayload')));
      }
      const dynamodb = record['dynamodb'];
      if (isObject(dynamodb)) {
        for (const image of ['NewImage', 'OldImage', 'Keys']) {
          if (isObject(dynamodb[image])) (dynamodb[image] as Json)['password'] = { S: put('streamImage') };
        }
      }
    }
  }
  if (isObject(event['detail'])) {
    event['detail']['password'] = put('messagePayload');
    const baton = event['detail']['_baton'];
    if (isObject(baton)) baton['baggage'] = `session=${put('envelopeBaggage')}`;
  }
  const baton = event['_baton'];
  if (isObject(baton)) baton['baggage'] = `session=${put('envelopeBaggage')}`;
  // Every event: a payload field of its own (invoke and Step Functions payloads are exactly this).
  event['password'] = put('body');
  event['data'] = { encoded: b64(put('base64Body')) };
  if (http) {
    event['isBase64Encoded'] = true;
    event['body'] = b64(JSON.stringify({ password: SECRETS.body, card: SECRETS.base64Body }));
  }
}

function addToJson(text: string, secret: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) return JSON.stringify({ ...parsed, password: secret });
  } catch {
    // Not JSON: the payload is the handler's own text.
  }
  return `${text} password=${secret}`;
}

/** A context like the fixture's, with secrets in the client context Lambda delivers. */
function contextWithSecrets(name: string | undefined, placed: Set<Kind>): Json {
  const base: Json = { ...lambdaContext(), ...(name === undefined ? {} : loadContext(name)) };
  const given = isObject(base['clientContext']) ? base['clientContext'] : {};
  placed.add('clientContextCustom').add('clientContextEnv');
  base['clientContext'] = {
    ...given,
    client: { ...(isObject(given['client']) ? given['client'] : {}), installation_id: SECRETS.clientContextCustom },
    custom: {
      ...(isObject(given['custom']) ? given['custom'] : {}),
      apiKey: SECRETS.clientContextCustom,
      baggage: `${typeof (given['custom'] as Json | undefined)?.['baggage'] === 'string' ? `${(given['custom'] as Json)['baggage'] as string},` : ''}session=${SECRETS.baggageValue}`,
    },
    env: { ...(isObject(given['env']) ? given['env'] : {}), secret: SECRETS.clientContextEnv },
  };
  return base;
}

/** Everything the receiver decoded, as text to search. */
const text = (spans: readonly ReceivedSpan[]): string => JSON.stringify(spans, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Every span is sampled, so every event's spans are searched (some fixtures carry sampled=0).
  getTracing({ endpoint: receiver.url, serviceName: 'secrets', sampler: 'always_on' }, {});
});
afterAll(() => receiver.close());

describe('secrets in events', () => {
  it('never reach the collector, from any trigger, in any of twenty kinds', async () => {
    const placed = new Set<Kind>();
    const handler = withTracing(async (event: Json) => {
      const records = Array.isArray(event['Records']) ? event['Records'] : [];
      for (const record of records) await withRecord(record, async () => undefined);
      return { statusCode: 200, body: JSON.stringify({ token: SECRETS.queryToken }) };
    });
    let invocations = 0;
    for (const trigger of triggerFolders()) {
      for (const [name, expected] of Object.entries(expectations(trigger))) {
        const event = loadEvent(trigger, name) as unknown;
        if (!isObject(event)) continue;
        plant(event, placed);
        await handler(event, contextWithSecrets(expected.context, placed));
        invocations++;
      }
    }
    await exportsAnswered();

    expect(placed).toEqual(new Set(Object.keys(SECRETS)));
    expect(placed.size).toBeGreaterThanOrEqual(20);
    expect(invocations).toBeGreaterThan(50);
    // One invocation span per event, so every event was exported and searched.
    expect(receiver.spans.filter((s) => s.attributes['faas.trigger'] !== undefined)).toHaveLength(invocations);
    const exported = text(receiver.spans);
    expect(exported).toContain(VISIBLE_PATH_MARKER);
    expect(exported).toContain('REDACTED');
    const leaked = Object.entries(SECRETS).filter(([, secret]) => exported.includes(secret) || exported.includes(secret.replace(/^\w+ /, '')));
    expect(leaked.map(([kind]) => kind)).toEqual([]);
    // Nothing even of the common stem: no attribute holds a fragment of a secret.
    expect(exported).not.toContain('s3cr3t');
  }, 60_000);
});
