import { beforeEach, describe, expect, it } from 'vitest';

import { inspectEvent } from '../../src/inspect.js';
import type { InspectResult } from '../../src/inspect.js';
import { loadContext, loadEvent } from '../support/fixtures.js';
import { useDiagnostics } from '../support/diagnostics.js';

/*
 * Events are input, and some input is hostile or broken: huge, deep, not what it claims to
 * be, or shaped to reach Object.prototype. None of it may throw, none of it may yield a
 * context, and none of it may change a prototype.
 */

const TRACEPARENT = '00-0d010003000100000000000000000001-0d01000300010001-01';
const OTHER_TRACEPARENT = '00-0d0100030001000000000000000000ff-0d010003000100ff-01';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const diagnostics = useDiagnostics();
let prototypeNames: string[] = [];

beforeEach(() => {
  prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
});

/** Inspect, and fail if extraction only survived through its catch-all. */
function inspect(event: unknown, context: object = {}, env: NodeJS.ProcessEnv = {}): InspectResult {
  const result = inspectEvent(event, context, env);
  expect(diagnostics.filter((line) => line.includes('could not read the trace context'))).toEqual([]);
  return result;
}

function expectNothingPolluted(result?: InspectResult): void {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(({} as Record<string, unknown>)['traceparent']).toBeUndefined();
  expect(({} as Record<string, unknown>)['stringValue']).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  if (result !== undefined) {
    const inherited: string[] = [];
    for (const key in result.baggage) if (!Object.prototype.hasOwnProperty.call(result.baggage, key)) inherited.push(key);
    expect(inherited).toEqual([]);
    expect(Object.getPrototypeOf(result.baggage)).toBeNull();
    expect(Object.getPrototypeOf(result.attributes)).toBeNull();
  }
}

describe('huge headers', () => {
  it('ignores a 1 MB traceparent header and starts a new trace', () => {
    // prepare
    const event = loadEvent('apigw-http', 'no-context');
    delete event.headers['x-amzn-trace-id'];
    // A future version may carry a tail, so only the size can make this one invalid.
    event.headers.traceparent = `cc-0d010003000100000000000000000001-0d01000300010001-01-${'a'.repeat(1024 * 1024)}`;
    event.headers['x-padding'] = 'p'.repeat(1024 * 1024);
    // act
    const result = inspect(event);
    // assess
    expect(result.parent).toBeNull();
    expect(result.links).toEqual([]);
  });

  it('keeps the traceparent but drops a 1 MB baggage header', () => {
    const event = loadEvent('apigw-http', 'no-context');
    event.headers.traceparent = TRACEPARENT;
    event.headers.baggage = `tenant=acme,big=${'x'.repeat(1024 * 1024)}`;
    const result = inspect(event);
    expect(result.parent).toMatchObject({ traceId: '0d010003000100000000000000000001' });
    expect({ ...result.baggage }).toEqual({});
  });

  it('drops a 1 MB tracestate but keeps the traceparent', () => {
    const event = loadEvent('apigw-http', 'no-context');
    event.headers.traceparent = TRACEPARENT;
    event.headers.tracestate = `rojo=${'x'.repeat(1024 * 1024)}`;
    const result = inspect(event);
    expect(result.parent).not.toBeNull();
    expect(result.parent?.tracestate).toBeUndefined();
  });

  it('finds a traceparent among 10,000 headers in any case', () => {
    const event = loadEvent('apigw-rest', 'no-context');
    delete event.multiValueHeaders;
    const headers: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) headers[`X-Custom-${i}`] = `value-${i}`;
    headers['TraceParent'] = TRACEPARENT;
    event.headers = headers;
    const result = inspect(event);
    expect(result.parent).toMatchObject({ traceId: '0d010003000100000000000000000001', source: 'apigw-rest.headers.TraceParent' });
  });

  it('finds nothing among 10,000 headers that only look like trace headers', () => {
    const event = loadEvent('apigw-rest', 'no-context');
    const headers: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) headers[`traceparent-${i}`] = TRACEPARENT;
    event.headers = headers;
    event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
    const result = inspect(event);
    expect(result.parent).toBeNull();
  });
});

describe('1,000 message attributes', () => {
  it('reads a batch whose message has 1,000 attributes and no context', () => {
    const event = loadEvent('sqs', 'thousand-attributes');
    const result = inspect(event);
    expect(result.records).toEqual([null]);
    expect(result.parent).toBeNull();
  });

  it('still finds a valid traceparent among 1,000 message attributes', () => {
    const event = loadEvent('sqs', 'thousand-attributes');
    event.Records[0].messageAttributes.traceparent = { stringValue: TRACEPARENT, dataType: 'String' };
    const result = inspect(event);
    expect(result.records?.[0]).toMatchObject({ source: 'sqs.Records[0].messageAttributes.traceparent' });
  });

  it('finds no context in 1,000 SNS attributes with broken values', () => {
    const event = loadEvent('sns', 'no-context');
    const attributes: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) attributes[`attr-${i}`] = { Type: 'String', Value: TRACEPARENT };
    attributes['traceparent'] = { Type: 'String', Value: TRACEPARENT.replace('-01', '-') };
    event.Records[0].Sns.MessageAttributes = attributes;
    const result = inspect(event);
    expect(result.records).toEqual([null]);
  });
});

describe('invalid base64', () => {
  for (const value of ['!!!!', `${b64(TRACEPARENT)}!`, b64(TRACEPARENT).slice(0, -1), `=${b64(TRACEPARENT)}`, 'ÿÿÿÿ', Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64')]) {
    it(`finds no context in an SNS Binary traceparent of ${JSON.stringify(value.slice(0, 20))}`, () => {
      const event = loadEvent('sns', 'binary');
      event.Records[0].Sns.MessageAttributes = { traceparent: { Type: 'Binary', Value: value } };
      const result = inspect(event);
      expect(result.records).toEqual([null]);
      expect(result.parent).toBeNull();
    });

    it(`finds no context in Kinesis data of ${JSON.stringify(value.slice(0, 20))}`, () => {
      const event = loadEvent('kinesis', 'w3c');
      event.Records = [event.Records[0]];
      event.Records[0].kinesis.data = value;
      const result = inspect(event);
      expect(result.records).toEqual([null]);
    });
  }

  const envelope = b64(JSON.stringify({ orderId: 'o-1', _baton: { traceparent: TRACEPARENT } }));
  for (const data of [`${envelope}!`, `!${envelope}`, envelope.slice(0, -1), `${envelope.slice(0, 8)} ${envelope.slice(8)}`, envelope.replaceAll('=', '')]) {
    it(`finds no context in Kinesis data that is base64 of an envelope made invalid: ${JSON.stringify(data.slice(0, 12))}…`, () => {
      const event = loadEvent('kinesis', 'w3c');
      event.Records = [event.Records[0]];
      event.Records[0].kinesis.data = data;
      expect(inspect(event).records).toEqual([null]);
    });
  }

  it('reads the Kinesis envelope when it is valid base64 (the control case)', () => {
    const event = loadEvent('kinesis', 'w3c');
    event.Records = [event.Records[0]];
    event.Records[0].kinesis.data = envelope;
    expect(inspect(event).records?.[0]).toMatchObject({ traceId: '0d010003000100000000000000000001' });
  });

  it('reads the SNS Binary traceparent when it is valid base64 (the control case)', () => {
    const event = loadEvent('sns', 'binary');
    event.Records[0].Sns.MessageAttributes = { traceparent: { Type: 'Binary', Value: b64(TRACEPARENT) } };
    expect(inspect(event).records?.[0]).toMatchObject({ traceId: '0d010003000100000000000000000001' });
  });
});

describe('bodies that are not JSON', () => {
  const notJson = ['{"_baton": {"traceparent": "' + TRACEPARENT + '"}', '{not json}', '{', '', 'null', '[1,2]', '"{}"', '{"_baton": "' + TRACEPARENT + '"}'];

  for (const body of notJson) {
    it(`finds no context in the SQS body ${JSON.stringify(body.slice(0, 24))}`, () => {
      const event = loadEvent('sqs', 'not-json-body');
      event.Records[0].body = body;
      delete event.Records[0].messageAttributes;
      delete event.Records[0].attributes;
      const result = inspect(event);
      expect(result.records).toEqual([null]);
    });

    it(`finds no context in Kinesis data that decodes to ${JSON.stringify(body.slice(0, 24))}`, () => {
      const event = loadEvent('kinesis', 'w3c');
      event.Records = [event.Records[0]];
      event.Records[0].kinesis.data = b64(body);
      const result = inspect(event);
      expect(result.records).toEqual([null]);
    });
  }

  it('finds no context in an SQS body that claims to be an SNS notification but is not JSON', () => {
    const event = loadEvent('sqs', 'sns-raw-off');
    event.Records[0].body = event.Records[0].body.slice(0, -2);
    delete event.Records[0].attributes;
    expect(inspect(event).records).toEqual([null]);
  });
});

describe('__proto__, constructor and prototype keys', () => {
  const hostile = (inner: string): string =>
    `{"__proto__": ${inner}, "constructor": ${inner}, "prototype": ${inner}}`;

  it('reads no context from __proto__, constructor or prototype in headers, and pollutes nothing', () => {
    const event = loadEvent('apigw-rest', 'no-context');
    const headers = JSON.parse(hostile(`{"traceparent": "${TRACEPARENT}", "baggage": "polluted=yes", "polluted": "yes"}`));
    event.headers = headers;
    event.multiValueHeaders = JSON.parse(hostile(`{"traceparent": ["${TRACEPARENT}"], "polluted": ["yes"]}`));
    const result = inspect(event);
    expect(result.parent).toBeNull();
    expect({ ...result.baggage }).toEqual({});
    expectNothingPolluted(result);
  });

  it('keeps the real traceparent next to __proto__ headers, and its baggage has only own keys', () => {
    const event = loadEvent('apigw-http', 'no-context');
    event.headers = JSON.parse(
      `{"__proto__": {"traceparent": "${OTHER_TRACEPARENT}"}, "traceparent": "${TRACEPARENT}",` +
        ` "baggage": "__proto__=evil,constructor=evil,prototype=evil,polluted=yes,tenant=acme"}`,
    );
    const result = inspect(event);
    expect(result.parent).toMatchObject({ traceId: '0d010003000100000000000000000001' });
    expect(result.baggage['tenant']).toBe('acme');
    expect(Object.keys(result.baggage)).not.toContain('__proto__');
    expectNothingPolluted(result);
  });

  it('reads no context from __proto__ keys in SQS message attributes, and pollutes nothing', () => {
    const event = loadEvent('sqs', 'no-context');
    event.Records[0].messageAttributes = JSON.parse(hostile(`{"stringValue": "${TRACEPARENT}", "dataType": "String"}`));
    event.Records[0].messageAttributes.traceparent = JSON.parse(`{"__proto__": {"stringValue": "${TRACEPARENT}"}}`);
    delete event.Records[0].attributes;
    const result = inspect(event);
    expect(result.records).toEqual([null]);
    expectNothingPolluted(result);
  });

  it('reads no context from __proto__ keys in SNS message attributes, and pollutes nothing', () => {
    const event = loadEvent('sns', 'no-context');
    event.Records[0].Sns.MessageAttributes = JSON.parse(hostile(`{"Type": "String", "Value": "${TRACEPARENT}"}`));
    event.Records[0].Sns.MessageAttributes.traceparent = JSON.parse(`{"__proto__": {"Type": "String", "Value": "${TRACEPARENT}"}}`);
    const result = inspect(event);
    expect(result.records).toEqual([null]);
    expectNothingPolluted(result);
  });

  it('reads no context from __proto__ keys in a payload envelope, and pollutes nothing', () => {
    const event = JSON.parse(`{"orderId": "o-1", "__proto__": {"_baton": {"traceparent": "${TRACEPARENT}"}},` + ` "_baton": ${hostile(`"${TRACEPARENT}"`)}}`);
    const result = inspect(event);
    expect(result.trigger).toBe('invoke');
    expect(result.parent).toBeNull();
    expectNothingPolluted(result);
  });

  it('reads no context from __proto__ keys in an EventBridge detail or a Kinesis envelope', () => {
    const bus = loadEvent('eventbridge', 'w3c');
    bus.detail = JSON.parse(`{"__proto__": {"_baton": {"traceparent": "${TRACEPARENT}"}}, "_baton": ${hostile(`{"traceparent": "${TRACEPARENT}"}`)}}`);
    const stream = loadEvent('kinesis', 'w3c');
    stream.Records = [stream.Records[0]];
    stream.Records[0].kinesis.data = b64(`{"__proto__": {"_baton": {"traceparent": "${TRACEPARENT}"}}, "_baton": {"__proto__": {"traceparent": "${TRACEPARENT}"}}}`);
    expect(inspect(bus).parent).toBeNull();
    expect(inspect(stream).records).toEqual([null]);
    expectNothingPolluted();
  });

  it('reads no context from __proto__ keys in the client context, and pollutes nothing', () => {
    const context = loadContext('default');
    context.clientContext = JSON.parse(
      `{"__proto__": {"custom": {"traceparent": "${TRACEPARENT}"}}, "custom": ${hostile(`{"traceparent": "${TRACEPARENT}"}`)}}`,
    );
    const result = inspect({ orderId: 'o-1' }, context);
    expect(result.parent).toBeNull();
    expectNothingPolluted(result);
  });

  it('treats a whole event of __proto__ keys as a plain invocation', () => {
    const event = JSON.parse(hostile(`{"Records": [{"eventSource": "aws:sqs", "messageAttributes": {"traceparent": {"stringValue": "${TRACEPARENT}"}}}]}`));
    const result = inspect(event);
    expect(result.trigger).toBe('invoke');
    expect(result.parent).toBeNull();
    expectNothingPolluted(result);
  });
});

describe('an Object.prototype polluted by someone else', () => {
  /** Another library in the function may have been polluted; we read own keys only, so we do not follow it. */
  function withPollution(keys: Record<string, unknown>, run: () => void): void {
    for (const [key, value] of Object.entries(keys)) Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
    try {
      run();
    } finally {
      for (const key of Object.keys(keys)) delete (Object.prototype as Record<string, unknown>)[key];
    }
  }

  it('reads no context from inherited envelope, header, attribute or client-context keys', () => {
    const carrier = { traceparent: TRACEPARENT, stringValue: TRACEPARENT, Value: TRACEPARENT };
    withPollution({ _baton: carrier, custom: carrier, traceparent: TRACEPARENT, stringValue: TRACEPARENT }, () => {
      const invocation = inspect({ orderId: 'o-1' }, { clientContext: { client: {} } });
      const http = loadEvent('apigw-http', 'no-context');
      delete http.headers['x-amzn-trace-id'];
      const queue = loadEvent('sqs', 'no-context');
      queue.Records[0].messageAttributes = { traceparent: { dataType: 'String' } };
      delete queue.Records[0].attributes;
      expect(invocation.parent).toBeNull();
      expect(inspect(http).parent).toBeNull();
      expect(inspect(queue).records).toEqual([null]);
    });
    expectNothingPolluted();
  });

  it('does not take an inherited Records for a batch', () => {
    withPollution({ Records: [{ eventSource: 'aws:sqs', messageAttributes: { traceparent: { stringValue: TRACEPARENT } } }] }, () => {
      const result = inspect({ orderId: 'o-1' });
      expect(result.trigger).toBe('invoke');
      expect(result.parent).toBeNull();
    });
  });
});

describe('deeply nested events', () => {
  function deepArray(depth: number): unknown {
    let value: unknown = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }

  it('does not throw on an event of 10,000 nested arrays', () => {
    const result = inspect(deepArray(10_000));
    expect(result.trigger).toBe('invoke');
    expect(result.parent).toBeNull();
  });

  it('does not throw when headers, records, envelopes or the client context are 10,000 arrays deep', () => {
    const deep = deepArray(10_000);
    const http = loadEvent('apigw-http', 'w3c');
    http.headers.traceparent = deep;
    http.headers.baggage = deep;
    const queue = loadEvent('sqs', 'w3c-single');
    queue.Records[0].messageAttributes.traceparent = deep;
    queue.Records.push(deep);
    const invocation = { _baton: { traceparent: deep } };
    expect(inspect(http).parent).toBeNull();
    expect(inspect(queue).records).toEqual([null, null]);
    expect(inspect(invocation, { clientContext: { custom: deep } }).parent).toBeNull();
  });

  it('does not throw on an SQS body or Kinesis data nesting 10,000 arrays in JSON', () => {
    const nested = `{"_baton": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const queue = loadEvent('sqs', 'no-context');
    queue.Records[0].body = nested;
    const stream = loadEvent('kinesis', 'w3c');
    stream.Records = [stream.Records[0]];
    stream.Records[0].kinesis.data = b64(nested);
    expect(inspect(queue).records).toEqual([null]);
    expect(inspect(stream).records).toEqual([null]);
  });
});
