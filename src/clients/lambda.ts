import { SpanKind, SpanStatusCode, defaultTextMapSetter } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_FAAS_INVOKED_NAME,
  ATTR_FAAS_INVOKED_PROVIDER,
  ATTR_FAAS_INVOKED_REGION,
  FAAS_INVOKED_PROVIDER_VALUE_AWS,
} from '@opentelemetry/semantic-conventions/incubating';
import { diagnose } from '../diagnostics.js';
import type { Tracing } from '../tracer/provider.js';
import type { Json } from '../triggers/shape.js';
import {
  EVENT_PAYLOAD_MAX_BYTES,
  INVOKE_ASYNC_MAX_BYTES,
  invokedFunction,
  mergeClientContext,
  payloadWithEnvelope,
} from './lambda-carriers.js';
import type { Fields } from './lambda-carriers.js';
import type { CommandSpec, InstrumentClientOptions, SdkService } from './sdk.js';

/**
 * AWS Lambda's `Invoke`, `InvokeWithResponseStream` and `InvokeAsync`: a CLIENT span named
 * for the function (FaaS semantic conventions), the context in `ClientContext.custom` for
 * synchronous invokes (merged into the caller's own) and in the `_baton` payload envelope for
 * asynchronous ones.
 */

/** Options for {@link instrumentLambdaClient}: those of every client. */
export type InstrumentLambdaClientOptions = InstrumentClientOptions;

export type Operation = 'Invoke' | 'InvokeWithResponseStream' | 'InvokeAsync';

/** Where a call carries context: Lambda delivers ClientContext on synchronous invokes only (Invoke API reference). */
type Carry = 'client-context' | 'envelope' | 'none';

function carryOf(operation: Operation, invocationType: unknown): Carry {
  if (operation === 'InvokeAsync') return 'envelope';
  // InvocationType absent means RequestResponse. DryRun runs nothing, so nothing to carry.
  if (invocationType === undefined || invocationType === 'RequestResponse') return 'client-context';
  if (operation === 'Invoke' && invocationType === 'Event') return 'envelope';
  return 'none';
}

/**
 * The propagation fields for `context`, written into the carrier for `operation`. Returns
 * the new input (a copy: the caller's input object, which the command keeps, is never
 * mutated), or `input` itself when nothing is injected. Exported for the benchmark.
 */
export function injectInvoke(
  tracing: Tracing,
  operation: Operation,
  input: Json,
  context: Context,
  payloadEnvelope: boolean,
): Json {
  const carry = carryOf(operation, input['InvocationType']);
  if (carry === 'none' || (carry === 'envelope' && !payloadEnvelope)) return input;
  const fields: Fields = {};
  tracing.propagation.injector.inject(context, fields, defaultTextMapSetter);
  if (Object.keys(fields).length === 0) return input;

  if (carry === 'client-context') {
    const result = mergeClientContext(input['ClientContext'], fields);
    if (result.kind === 'invalid') {
      diagnose('lambda-client:client-context-invalid', 'a Lambda invoke was given a ClientContext that is not base64 of a JSON object; it is sent unchanged and carries no trace context');
      return input;
    }
    if (result.kind === 'too-large') {
      diagnose('lambda-client:client-context-too-large', 'a Lambda invoke\'s ClientContext leaves no room for trace context within 3,583 bytes; it is sent unchanged');
      return input;
    }
    if (result.shed.length > 0) {
      diagnose('lambda-client:client-context-shed', `trace context in a Lambda invoke's ClientContext was cut to fit 3,583 bytes (dropped: ${result.shed.join(', ')})`);
    }
    return { ...input, ClientContext: result.value };
  }

  const key = operation === 'InvokeAsync' ? 'InvokeArgs' : 'Payload';
  const limit = operation === 'InvokeAsync' ? INVOKE_ASYNC_MAX_BYTES : EVENT_PAYLOAD_MAX_BYTES;
  const result = payloadWithEnvelope(input[key], fields, limit);
  switch (result.kind) {
    case 'injected':
      if (result.shed.length > 0) {
        diagnose('lambda-client:envelope-shed', `trace context in an asynchronous invoke's payload was cut to fit the payload limit (dropped: ${result.shed.join(', ')})`);
      }
      return { ...input, [key]: result.payload };
    case 'not-object':
      diagnose('lambda-client:payload-not-object', 'an asynchronous Lambda invoke\'s payload is not a JSON object, so it cannot carry trace context (Lambda drops ClientContext on asynchronous invokes); it is sent unchanged');
      return input;
    case 'unreadable':
      diagnose('lambda-client:payload-unreadable', 'an asynchronous Lambda invoke\'s payload is a stream or blob, so it cannot carry trace context without being consumed; it is sent unchanged');
      return input;
    case 'has-envelope':
      diagnose('lambda-client:payload-has-envelope', 'an asynchronous Lambda invoke\'s payload already has a "_baton" key; it is kept and sent unchanged');
      return input;
    case 'too-large':
      diagnose('lambda-client:payload-too-large', 'an asynchronous Lambda invoke\'s payload is too close to the payload limit to carry trace context; it is sent unchanged');
      return input;
  }
}

function invokeSpan(operation: Operation): CommandSpec['span'] {
  return (input) => {
    const target = invokedFunction(input['FunctionName']);
    const attributes: Attributes = { [ATTR_FAAS_INVOKED_PROVIDER]: FAAS_INVOKED_PROVIDER_VALUE_AWS };
    if (target !== undefined) attributes[ATTR_FAAS_INVOKED_NAME] = target.name;
    if (target?.region !== undefined) attributes[ATTR_FAAS_INVOKED_REGION] = target.region;
    // FaaS semantic conventions: the span is named for the function, also for outgoing invocations.
    return { name: target?.name ?? operation, attributes };
  };
}

function invokeCommand(operation: Operation): CommandSpec {
  return {
    span: invokeSpan(operation),
    inject: (input, send) => injectInvoke(send.tracing, operation, input, send.context, send.options.payloadEnvelope ?? send.tracing.config.payloadEnvelope),
    end: (span, output) => {
      // The call succeeded but the function failed: Lambda reports it in X-Amz-Function-Error.
      // (InvokeWithResponseStream resolves when the response starts: an error reported in its
      // InvokeComplete event is not seen.)
      const functionError = output['FunctionError'];
      if (typeof functionError === 'string' && functionError !== '') {
        span.setAttribute(ATTR_ERROR_TYPE, functionError);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `function error: ${functionError}` });
      }
    },
  };
}

export const lambda: SdkService = {
  serviceId: 'Lambda',
  clientName: 'LambdaClient',
  label: 'Lambda',
  kind: SpanKind.CLIENT,
  regionAttribute: ATTR_FAAS_INVOKED_REGION,
  commands: {
    Invoke: invokeCommand('Invoke'),
    InvokeWithResponseStream: invokeCommand('InvokeWithResponseStream'),
    // Deprecated, still in the SDK: asynchronous, payload in `InvokeArgs`.
    InvokeAsync: invokeCommand('InvokeAsync'),
  },
};
