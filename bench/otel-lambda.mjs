// The reference for the warm benchmark: OpenTelemetry's own Lambda instrumentation, set up
// as its Lambda layer sets it up (W3C trace context and baggage, a BatchSpanProcessor with
// the OTLP/HTTP protobuf exporter, flushed before each invocation returns).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AwsLambdaInstrumentation } from '@opentelemetry/instrumentation-aws-lambda';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** `handler` wrapped by OTel's instrumentation; spans go to `endpoint` when given, nowhere otherwise. */
export function otelWrap(handler, endpoint) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const spanProcessors = endpoint === undefined ? [] : [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })];
  const provider = new TracerProvider({ spanProcessors });
  trace.setGlobalTracerProvider(provider);
  // Not enabled: that would hook the module named by _HANDLER. The wrapper it applies to
  // that module's handler is the one we call directly.
  const instrumentation = new AwsLambdaInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  return instrumentation._getPatchHandler(handler, Date.now());
}
