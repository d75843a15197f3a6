import { describe, expect, it } from 'vitest';
import { PROACTIVE_INIT_GAP_MS, createColdStartTracker } from '../../src/handler/coldstart.js';

describe('cold start', () => {
  it('is true for the first invocation of a process and false afterwards', () => {
    const tracker = createColdStartTracker({}, 1_000);
    expect([tracker.next(1_050), tracker.next(2_000), tracker.next(3_000)]).toEqual([true, false, false]);
  });

  it('is false under provisioned concurrency and SnapStart, which initialise ahead of demand', () => {
    for (const type of ['provisioned-concurrency', 'snap-start']) {
      expect(createColdStartTracker({ AWS_LAMBDA_INITIALIZATION_TYPE: type }, 0).next(1)).toBe(false);
    }
    expect(createColdStartTracker({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, 0).next(1)).toBe(true);
  });

  it('is false when the first invocation arrives long after a proactive initialisation', () => {
    expect(createColdStartTracker({}, 0).next(PROACTIVE_INIT_GAP_MS + 1)).toBe(false);
    expect(createColdStartTracker({}, 0).next(PROACTIVE_INIT_GAP_MS - 1)).toBe(true);
  });
});
