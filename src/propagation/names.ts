/**
 * The `OTEL_PROPAGATORS` names we understand (OpenTelemetry SDK environment specification).
 * Kept apart from the propagators (./propagators.ts) so the Serverless plugin can list them in
 * its schema without loading OpenTelemetry, which added about 300 ms to every `serverless`
 * command on the measuring machine (13 ms without).
 */
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'xray' | 'xray-lambda' | 'datadog' | 'none';

/** Every name `OTEL_PROPAGATORS` (and the `propagators` option) may hold; the plugin's schema lists these too. */
export const PROPAGATOR_NAMES: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'xray', 'xray-lambda', 'datadog', 'none'];
