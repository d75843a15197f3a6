import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

describe('sdkClients: whether the layer instruments the AWS SDK clients', () => {
  it('is on by default', () => {
    expect(resolveConfig({}, {}).sdkClients).toBe(true);
  });
  it('is turned off by BATON_SDK_CLIENTS=false, and by the old BATON_LAMBDA_CLIENTS=false', () => {
    expect(resolveConfig({}, { BATON_SDK_CLIENTS: 'false' }).sdkClients).toBe(false);
    expect(resolveConfig({}, { BATON_LAMBDA_CLIENTS: 'false' }).sdkClients).toBe(false);
  });
  it('takes BATON_SDK_CLIENTS over the old name, and the option over both', () => {
    expect(resolveConfig({}, { BATON_SDK_CLIENTS: 'true', BATON_LAMBDA_CLIENTS: 'false' }).sdkClients).toBe(true);
    expect(resolveConfig({ sdkClients: false }, { BATON_SDK_CLIENTS: 'true' }).sdkClients).toBe(false);
  });
});
