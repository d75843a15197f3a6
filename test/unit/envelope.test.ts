import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectEvent } from '../../src/inspect.js';
import { ENVELOPE_KEY, envelopeCarrier, removeEnvelope } from '../../src/triggers/envelope.js';
import { loadEvent } from '../support/fixtures.js';

const isOurs = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');

describe('the payload envelope is ours only as an object of string fields', () => {
  it('is read and removed exactly when `_baton` is an object whose every field is a string', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.string()), fc.boolean(), (other, strings, useStrings) => {
        const value = useStrings ? strings : other;
        const container: Record<string, unknown> = { orderId: 'o-1', [ENVELOPE_KEY]: value };
        const before = structuredClone(container);
        const carrier = envelopeCarrier(container, 'invoke');
        removeEnvelope(container);
        if (isOurs(value)) {
          expect(carrier?.carrier).toEqual(value);
          expect(container).toEqual({ orderId: 'o-1' });
        } else {
          expect(carrier).toBeUndefined();
          expect(container).toEqual(before);
        }
      }),
    );
  });

  const theirs: [string, unknown][] = [
    ['a string', '00-0c02e0e0000300000000000000000001-0c02e0e000030001-01'],
    ['an array', [{ traceparent: '00-0c02e0e0000300000000000000000001-0c02e0e000030001-01' }]],
    ['an object with a number', { traceparent: '00-0c02e0e0000300000000000000000001-0c02e0e000030001-01', retries: 3 }],
    ['an object with a nested object', { traceparent: '00-0c02e0e0000300000000000000000001-0c02e0e000030001-01', meta: { by: 'me' } }],
    ['null', null],
  ];
  for (const [name, value] of theirs) {
    it(`does not read a payload's own _baton that is ${name} as a carrier`, () => {
      const event = loadEvent('invoke', 'async-envelope');
      event._baton = value;
      expect(inspectEvent(event, {}, {}).parent).toBeNull();
    });
  }
});
