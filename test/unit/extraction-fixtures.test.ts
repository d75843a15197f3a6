import { describe, expect, it } from 'vitest';
import { inspectEvent } from '../../src/inspect.js';
import { TRIGGERS } from '../../src/triggers/index.js';
import { expectations, loadContext, loadEvent, triggerFolders } from '../support/fixtures.js';

describe('trigger fixtures', () => {
  it('has a fixture folder for every trigger in the detection table, and no other', () => {
    expect(triggerFolders()).toEqual(TRIGGERS.map((t) => t.name).sort());
  });

  for (const trigger of triggerFolders()) {
    describe(trigger, () => {
      for (const [name, expected] of Object.entries(expectations(trigger))) {
        it(`extracts what AWS delivers in ${trigger}/${name}`, () => {
          const result = inspectEvent(loadEvent(trigger, name), loadContext(expected.context), {});
          if (expected.trigger !== undefined) expect(result.trigger).toBe(expected.trigger);
          if (expected.faasTrigger !== undefined) expect(result.faasTrigger).toBe(expected.faasTrigger);
          if (expected.spanName !== undefined) expect(result.spanName).toBe(expected.spanName);
          if (expected.parent !== undefined) {
            if (expected.parent === null) expect(result.parent).toBeNull();
            else expect(result.parent).toMatchObject(expected.parent);
          }
          if (expected.records !== undefined) {
            expect(result.records).toHaveLength(expected.records.length);
            expected.records.forEach((record, i) => {
              if (record === null) expect(result.records?.[i]).toBeNull();
              else expect(result.records?.[i]).toMatchObject(record);
            });
          }
          if (expected.links !== undefined) expect(result.links).toHaveLength(expected.links);
          if (expected.baggage !== undefined) expect({ ...result.baggage }).toEqual(expected.baggage);
          if (expected.tracestate !== undefined) expect(result.parent?.tracestate ?? '').toBe(expected.tracestate);
          expect(result.attributes['faas.trigger']).toBe(result.faasTrigger);
        });
      }
    });
  }
});

describe('HTTP attributes', () => {
  it('reads ALB request attributes from multiValueHeaders when only those are sent', () => {
    const event = loadEvent('alb', 'multi-value');
    const { attributes } = inspectEvent(event, loadContext(), {});
    expect(attributes).toMatchObject({
      'server.address': event.multiValueHeaders.host[0],
      'user_agent.original': event.multiValueHeaders['user-agent'][0],
      'url.scheme': event.multiValueHeaders['x-forwarded-proto'][0],
      'client.address': event.multiValueHeaders['x-forwarded-for'][0].split(',')[0].trim(),
    });
  });
});
