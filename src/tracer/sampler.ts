import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import type { BatonConfig } from '../config.js';

/** The samplers of `OTEL_TRACES_SAMPLER` (OpenTelemetry SDK environment specification). */
export function createSampler(config: BatonConfig): Sampler {
  if (typeof config.sampler !== 'string') return config.sampler;
  const ratio = config.samplerArg ?? 1;
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
