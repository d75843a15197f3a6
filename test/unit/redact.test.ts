import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { resetDiagnostics, setDiagnosticSink } from '../../src/diagnostics.js';
import { DEFAULT_REDACTED_QUERY_KEYS, queryRedaction, redactQuery, redactUrl } from '../../src/handler/redact.js';
import { inspectEvent } from '../../src/inspect.js';
import { loadEvent } from '../support/fixtures.js';

afterEach(() => {
  setDiagnosticSink((line) => console.warn(line));
  resetDiagnostics();
});

const SECRET_QUERY =
  'page=2&token=t0k&password=hunter2&X-Amz-Signature=abc123&AWSAccessKeyId=AKIAEXAMPLE&sig=s1&Signature=s2&X-Goog-Signature=g1' +
  '&X-Amz-Credential=AKIA%2F20261201&X-Amz-Security-Token=IQoJ&access_token=a1&id_token=i1&refresh_token=r1&api_key=k1&apikey=k2' +
  '&secret=s3&client_secret=c1&code=oauth-code&sort=asc';

describe('redactQuery', () => {
  it('replaces the value of every built-in key with REDACTED and keeps the rest as it was', () => {
    expect(redactQuery(SECRET_QUERY)).toBe(
      'page=2&token=REDACTED&password=REDACTED&X-Amz-Signature=REDACTED&AWSAccessKeyId=REDACTED&sig=REDACTED&Signature=REDACTED' +
        '&X-Goog-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&access_token=REDACTED&id_token=REDACTED' +
        '&refresh_token=REDACTED&api_key=REDACTED&apikey=REDACTED&secret=REDACTED&client_secret=REDACTED&code=REDACTED&sort=asc',
    );
  });

  it('matches keys case-insensitively and as decoded', () => {
    expect(redactQuery('TOKEN=a&x-amz-signature=b&Api_Key=c&X%2DAmz%2DCredential=d&access%5Ftoken=e')).toBe(
      'TOKEN=REDACTED&x-amz-signature=REDACTED&Api_Key=REDACTED&X%2DAmz%2DCredential=REDACTED&access%5Ftoken=REDACTED',
    );
  });

  it('redacts every repeat of a key, and leaves keys with no value, empty values and look-alike keys alone', () => {
    expect(redactQuery('token=a&token=b&token&token=&tokens=c&my_token=d&q=token%3Dx')).toBe(
      'token=REDACTED&token=REDACTED&token&token=&tokens=c&my_token=d&q=token%3Dx',
    );
  });

  it('keeps a value that contains "=" whole when it redacts it', () => {
    expect(redactQuery('X-Amz-Security-Token=IQo=Jb3==&n=1')).toBe('X-Amz-Security-Token=REDACTED&n=1');
  });

  it('adds the keys of redactQueryKeys and BATON_REDACT_QUERY_KEYS to the built-in ones', () => {
    const fromOption = queryRedaction(resolveConfig({ redactQueryKeys: ['session', 'X-Custom-Auth'] }, {}).redactQueryKeys);
    expect(redactQuery('session=s&x-custom-auth=a&token=t&page=1', fromOption)).toBe('session=REDACTED&x-custom-auth=REDACTED&token=REDACTED&page=1');
    const fromEnv = queryRedaction(resolveConfig({}, { BATON_REDACT_QUERY_KEYS: ' session , ,sid' }).redactQueryKeys);
    expect(redactQuery('session=s&sid=1&page=1', fromEnv)).toBe('session=REDACTED&sid=REDACTED&page=1');
    expect(redactQuery('session=s', queryRedaction([]))).toBe('session=s');
  });

  it('never lets the value of a redacted key through, and changes nothing else (property)', () => {
    const keys = fc.oneof(fc.constantFrom(...DEFAULT_REDACTED_QUERY_KEYS), fc.string({ maxLength: 8 }));
    const pair = fc.tuple(keys, fc.option(fc.string({ maxLength: 12 }), { nil: undefined }));
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 8 }), (pairs) => {
        const clean = pairs.map(([k, v]) => [k.replace(/[&=%+]/g, ''), v?.replace(/&/g, '')] as const);
        const query = clean.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
        const out = redactQuery(query).split('&');
        const parts = query.split('&');
        expect(out).toHaveLength(parts.length);
        clean.forEach(([k, v], i) => {
          const secret = DEFAULT_REDACTED_QUERY_KEYS.some((d) => d.toLowerCase() === k.toLowerCase());
          expect(out[i]).toBe(secret && v !== undefined && v !== '' ? `${k}=REDACTED` : parts[i]);
        });
      }),
    );
  });
});

describe('redactUrl', () => {
  it('redacts the query of a full URL and keeps scheme, host, path and fragment', () => {
    expect(redactUrl('https://bucket.s3.amazonaws.com/key.txt?X-Amz-Credential=AKIA&X-Amz-Signature=ff&versionId=3#part')).toBe(
      'https://bucket.s3.amazonaws.com/key.txt?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&versionId=3#part',
    );
    expect(redactUrl('https://example.com/a#token=frag')).toBe('https://example.com/a#token=frag');
  });
});

describe('url.query on the invocation span', () => {
  it('is redacted for HTTP API events (rawQueryString)', () => {
    const event = loadEvent('apigw-http', 'w3c');
    event.rawQueryString = 'expand=items&token=secret-1&Signature=secret-2';
    expect(inspectEvent(event).attributes['url.query']).toBe('expand=items&token=REDACTED&Signature=REDACTED');
  });

  it('is redacted for REST API events, even when a decoded value holds "&"', () => {
    const event = loadEvent('apigw-rest', 'w3c');
    event.queryStringParameters = { expand: 'items', password: 'qu&zx=vy' };
    event.multiValueQueryStringParameters = { expand: ['items'], password: ['qu&zx=vy'] };
    const query = String(inspectEvent(event).attributes['url.query']);
    expect(query).toBe('expand=items&password=REDACTED');
    expect(query).not.toContain('zx');
  });

  it('is redacted for ALB events, with keys from --env BATON_REDACT_QUERY_KEYS', () => {
    const event = loadEvent('alb', 'w3c');
    event.queryStringParameters = { expand: 'items', session: 'abc', code: 'xyz' };
    expect(inspectEvent(event, {}, { BATON_REDACT_QUERY_KEYS: 'session' }).attributes['url.query']).toBe('expand=items&session=REDACTED&code=REDACTED');
  });
});
