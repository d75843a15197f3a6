/**
 * lambda-baton: one OpenTelemetry trace across API Gateway, Lambda-to-Lambda, SQS, SNS and
 * EventBridge hops. The public API is this explicit list.
 */
export { withTracing } from './handler/with-tracing.js';
export type { AnyHandler, CallbackResult, ContextOf, LambdaCallback, Traced, TracedHandler, TracedStreamingHandler } from './handler/with-tracing.js';
export { withRecord } from './handler/records.js';
export { logFields } from './logs/fields.js';
export type { LogFields } from './logs/fields.js';
export { instrumentClient, instrumentLambdaClient } from './clients/index.js';
export type { InstrumentClientOptions } from './clients/sdk.js';
export type { InstrumentLambdaClientOptions } from './clients/lambda.js';
export { inspectEvent } from './inspect.js';
export type { InspectResult, InspectedContext, InspectedLink } from './inspect.js';
export { ENVELOPE_KEY } from './triggers/envelope.js';
export { TRIGGERS, detectTrigger } from './triggers/index.js';
export type { BatchRecord, Carrier, FaasTrigger, LambdaContextLike, ResultInfo, Trigger, TriggerName } from './triggers/index.js';
export type { BatonGetter } from './propagation/getters.js';
export type { BatonOptions, ExporterName, ExportWait, OtlpProtocol, SamplerName } from './config.js';
export type { PropagatorName } from './propagation/propagators.js';
