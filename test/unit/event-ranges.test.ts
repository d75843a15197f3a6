import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index.js';
import { inspectEvent } from '../../src/inspect.js';
import { getTracing } from '../../src/tracer/provider.js';
import { httpResult } from '../../src/triggers/http.js';
import { isoTimeFromSeconds } from '../../src/triggers/shape.js';
import { exportsAnswered } from '../support/exports.js';
import { loadEvent } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

/*
 * Every number read from an event is range-checked before it becomes an attribute: a value
 * out of range is left out, and the invocation is still traced.
 */

const streamRecord = (created: unknown) => {
  const event = loadEvent('dynamodb', 'insert');
  event.Records[0].dynamodb.ApproximateCreationDateTime = created;
  return event;
};

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  getTracing({ endpoint: receiver.url, serviceName: 'ranges' }, {});
});
afterAll(() => receiver.close());
beforeEach(async () => {
  await exportsAnswered();
  receiver.reset();
});

describe('DynamoDB ApproximateCreationDateTime', () => {
  it('becomes faas.document.time when a Date can hold it', () => {
    expect(inspectEvent(loadEvent('dynamodb', 'insert')).attributes['faas.document.time']).toBe('2025-01-15T10:22:33.000Z');
  });

  it.each([1e13, -1, -1e13, 1e300, '1736936553', null])('is left out when it is %s, and inspect still answers', (created) => {
    const result = inspectEvent(streamRecord(created));
    expect(result.trigger).toBe('dynamodb');
    expect(result.attributes['faas.document.time']).toBeUndefined();
    expect(result.attributes['faas.document.collection']).toBeDefined();
  });

  it('keeps the invocation traced when it is out of range', async () => {
    const handler = withTracing(async () => 'done');
    expect(await handler(streamRecord(1e13), lambdaContext())).toBe('done');
    await exportsAnswered();
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]?.attributes['faas.document.operation']).toBe('insert');
    expect(receiver.spans[0]?.attributes['faas.document.time']).toBeUndefined();
  });

  it('never throws for any number, and gives a time only inside the Date range', () => {
    fc.assert(
      fc.property(fc.double(), (seconds) => {
        const time = isoTimeFromSeconds(seconds);
        if (time === undefined) return !(seconds >= 0 && seconds * 1000 <= 8.64e15);
        return new Date(time).getTime() === new Date(seconds * 1000).getTime();
      }),
    );
  });
});

describe('HTTP status codes from the result', () => {
  it.each([100, 200, 404, 599])('keeps %s', (statusCode) => {
    expect(httpResult({ statusCode })?.attributes['http.response.status_code']).toBe(statusCode);
  });

  it.each([0, 99, 600, 1e20, -500, 2.5, '1e400'])('leaves out %s', (statusCode) => {
    expect(httpResult({ statusCode })).toBeUndefined();
  });
});
