import { ROOT_CONTEXT, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { attributeFields, withAttributes } from '../../src/clients/message-attributes.js';
import { createPropagation } from '../../src/propagation/propagators.js';

const span = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });

function fieldsFor(names: Parameters<typeof createPropagation>[0]): Record<string, string> {
  const fields: Record<string, string> = {};
  createPropagation(names).injector.inject(span, fields, defaultTextMapSetter);
  return fields;
}

describe('attributeFields', () => {
  it('with datadog named: traceparent, then one `_datadog` of the given type, then tracestate and baggage; no `x-datadog-*` of their own', () => {
    const fields = { ...fieldsFor(['baggage', 'datadog', 'tracecontext']), tracestate: 'v=1', baggage: 'k=v' };
    const sqs = attributeFields(fields, 'String');
    expect(sqs.map((f) => f.name)).toEqual(['traceparent', '_datadog', 'tracestate', 'baggage']);
    expect(sqs[1]).toEqual({
      name: '_datadog',
      dataType: 'String',
      value: JSON.stringify({
        'x-datadog-trace-id': BigInt('0x8448eb211c80319c').toString(),
        'x-datadog-parent-id': BigInt('0xb7ad6b7169203331').toString(),
        'x-datadog-sampling-priority': '1',
        'x-datadog-tags': '_dd.p.tid=0af7651916cd43dd',
      }),
    });
    const sns = attributeFields(fields, 'Binary');
    expect(sns[1]!.dataType).toBe('Binary');
    expect(Buffer.from(sns[1]!.value as Uint8Array).toString('utf8')).toBe(sqs[1]!.value);
  });

  it('Datadog alone: `_datadog` is the identity; by default there is none', () => {
    expect(attributeFields(fieldsFor(['datadog']), 'String').map((f) => f.name)).toEqual(['_datadog']);
    expect(attributeFields(fieldsFor(undefined), 'Binary').map((f) => f.name)).toEqual(['traceparent']);
  });
});

describe('withAttributes', () => {
  it('counts every attribute of the caller, also two whose names differ only in case', () => {
    const caller = Object.fromEntries([...'abcdefgh', 'X', 'x'].map((name) => [name, { DataType: 'String', StringValue: '1' }]));
    expect(Object.keys(caller)).toHaveLength(10);
    expect(withAttributes(caller, 'body', attributeFields(fieldsFor(undefined), 'String'))).toEqual({ kind: 'no-room' });
  });
});
