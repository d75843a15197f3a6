import { SpanKind, SpanStatusCode, context as contextApi, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_AWS_REQUEST_ID,
  ATTR_FAAS_INVOKED_NAME,
  ATTR_FAAS_INVOKED_PROVIDER,
  ATTR_FAAS_INVOKED_REGION,
  FAAS_INVOKED_PROVIDER_VALUE_AWS,
} from '@opentelemetry/semantic-conventions/incubating';
import { diagnose } from '../diagnostics.js';
import { recordError } from '../handler/outcome.js';
import { getTracing } from '../tracer/provider.js';
import type { Tracing } from '../tracer/provider.js';
import { isObject } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import {
  EVENT_PAYLOAD_MAX_BYTES,
  INVOKE_ASYNC_MAX_BYTES,
  invokedFunction,
  mergeClientContext,
  payloadWithEnvelope,
} from './lambda-carriers.js';
import type { Fields } from './lambda-carriers.js';

/**
 * The parts of an AWS SDK v3 client we use, typed structurally so that any
 * `@aws-sdk/client-lambda` version a user has works, and nothing from `@aws-sdk/*` is
 * loaded at runtime (design.md, Types).
 */
interface HandlerContext {
  readonly clientName?: unknown;
  readonly commandName?: unknown;
}
interface InitializeArgs {
  readonly input: unknown;
}
type InitializeHandler = (args: InitializeArgs) => Promise<unknown>;
type InitializeMiddleware = (next: InitializeHandler, context: HandlerContext) => InitializeHandler;
interface MiddlewareStackLike {
  add(middleware: InitializeMiddleware, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
  identify?(): unknown;
}
interface LambdaClientLike {
  readonly middlewareStack: MiddlewareStackLike;
  readonly config: { readonly region?: unknown };
}

/** Options for {@link instrumentLambdaClient}. */
export interface InstrumentLambdaClientOptions {
  /**
   * Write the `_baton` payload envelope on asynchronous invokes made with this client.
   * Default: the process configuration (`payloadEnvelope`, `BATON_PAYLOAD_ENVELOPE`). Turn it
   * off for targets that reject unknown payload keys and are not instrumented.
   */
  readonly payloadEnvelope?: boolean;
}

/** The middleware's name in the client's stack; also how we recognise an instrumented client. */
export const MIDDLEWARE_NAME = 'lambdaBatonInvokeMiddleware';
/** Marks an instrumented client. A registry symbol, so two copies of lambda-baton agree. */
const INSTRUMENTED = Symbol.for('lambda-baton.instrumented-lambda-client');

export type Operation = 'Invoke' | 'InvokeWithResponseStream' | 'InvokeAsync';
const OPERATIONS = new Map<unknown, Operation>([
  ['InvokeCommand', 'Invoke'],
  ['InvokeWithResponseStreamCommand', 'InvokeWithResponseStream'],
  // Deprecated, still in the SDK: asynchronous, payload in `InvokeArgs`.
  ['InvokeAsyncCommand', 'InvokeAsync'],
]);

/** Where a call carries context: Lambda delivers ClientContext on synchronous invokes only (Invoke API reference). */
type Carry = 'client-context' | 'envelope' | 'none';

function carryOf(operation: Operation, invocationType: unknown): Carry {
  if (operation === 'InvokeAsync') return 'envelope';
  // InvocationType absent means RequestResponse. DryRun runs nothing, so nothing to carry.
  if (invocationType === undefined || invocationType === 'RequestResponse') return 'client-context';
  if (operation === 'Invoke' && invocationType === 'Event') return 'envelope';
  return 'none';
}

function isLambdaClientLike(value: unknown): value is LambdaClientLike {
  const candidate = value as Partial<LambdaClientLike> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.middlewareStack?.add === 'function' &&
    typeof candidate.middlewareStack.addRelativeTo === 'function' &&
    typeof candidate.config === 'object' &&
    candidate.config !== null
  );
}

function isInstrumented(client: LambdaClientLike): boolean {
  // The marker first: the layer calls instrumentLambdaClient on every `send`, and `identify()`
  // builds and sorts the whole middleware list. (A user who removes our middleware by name
  // after instrumenting keeps it removed.)
  if ((client as unknown as Record<symbol, unknown>)[INSTRUMENTED] === true) return true;
  const stack = client.middlewareStack;
  if (typeof stack.identify === 'function') {
    // No marker (a frozen client): `identify()` lists "name - step" or "name (a.k.a. …) - step".
    const listed = stack.identify();
    if (Array.isArray(listed)) {
      return listed.some((entry) => typeof entry === 'string' && (entry.startsWith(`${MIDDLEWARE_NAME} `) || entry === MIDDLEWARE_NAME));
    }
  }
  return false;
}

/** The client's region: `config.region` is a provider function once the client is built, a string in plain objects. */
async function clientRegion(config: LambdaClientLike['config']): Promise<string | undefined> {
  try {
    const region = typeof config.region === 'function' ? await (config.region as () => unknown)() : config.region;
    return typeof region === 'string' && region !== '' ? region : undefined;
  } catch {
    return undefined;
  }
}

/** One call's span, the context it runs in, and the input to send. */
interface Call {
  readonly span: Span;
  readonly context: Context;
  readonly input: unknown;
  readonly region: Promise<string | undefined> | undefined;
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

function startCall(
  tracing: Tracing,
  client: LambdaClientLike,
  operation: Operation,
  input: unknown,
  options: InstrumentLambdaClientOptions,
): Call | undefined {
  let span: Span | undefined;
  try {
    const fields: Json = isObject(input) ? input : {};
    const target = invokedFunction(fields['FunctionName']);
    const attributes: Attributes = { [ATTR_FAAS_INVOKED_PROVIDER]: FAAS_INVOKED_PROVIDER_VALUE_AWS };
    if (target !== undefined) attributes[ATTR_FAAS_INVOKED_NAME] = target.name;
    if (target?.region !== undefined) attributes[ATTR_FAAS_INVOKED_REGION] = target.region;
    const parent = contextApi.active();
    // FaaS semantic conventions: the span is named for the function, also for outgoing invocations.
    span = tracing.tracer.startSpan(target?.name ?? operation, { kind: SpanKind.CLIENT, attributes }, parent);
    const context = trace.setSpan(parent, span);
    const region = target?.region === undefined ? clientRegion(client.config) : undefined;
    let sent = input;
    try {
      if (isObject(input)) sent = injectInvoke(tracing, operation, input, context, options.payloadEnvelope ?? tracing.config.payloadEnvelope);
    } catch (error) {
      diagnose('lambda-client:inject', 'could not add trace context to a Lambda invoke; it is sent unchanged', error);
    }
    return { span, context, input: sent, region };
  } catch (error) {
    span?.end();
    diagnose('lambda-client:start', 'could not start a span for a Lambda invoke; it is sent untraced', error);
    return undefined;
  }
}

function requestId(value: unknown): string | undefined {
  const id = (value as { $metadata?: { requestId?: unknown } } | null | undefined)?.$metadata?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

async function endCall(call: Call, outcome: { output: unknown } | { error: unknown }): Promise<void> {
  const { span } = call;
  try {
    const region = await call.region;
    if (region !== undefined) span.setAttribute(ATTR_FAAS_INVOKED_REGION, region);
    if ('error' in outcome) {
      const { error } = outcome;
      recordError(span, error);
      const name = (error as { name?: unknown } | null | undefined)?.name;
      span.setAttribute(ATTR_ERROR_TYPE, typeof name === 'string' && name !== '' ? name : '_OTHER');
      const id = requestId(error);
      if (id !== undefined) span.setAttribute(ATTR_AWS_REQUEST_ID, id);
    } else {
      // A handler resolves with `{ output, response }`; `output` is what `send` returns.
      const output = (outcome.output as { output?: unknown } | null | undefined)?.output;
      const id = requestId(output);
      if (id !== undefined) span.setAttribute(ATTR_AWS_REQUEST_ID, id);
      // The call succeeded but the function failed: Lambda reports it in X-Amz-Function-Error.
      const functionError = (output as { FunctionError?: unknown } | null | undefined)?.FunctionError;
      if (typeof functionError === 'string' && functionError !== '') {
        span.setAttribute(ATTR_ERROR_TYPE, functionError);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `function error: ${functionError}` });
      }
    }
  } catch (error) {
    diagnose('lambda-client:end', 'could not record the outcome of a Lambda invoke', error);
  } finally {
    span.end();
  }
}

/*
 * One middleware at the `initialize` step: the only step where `args.input` can still be
 * changed before the serializer turns `ClientContext` into the X-Amz-Client-Context header.
 * Everything after it — serialization, signing, retries (finalizeRequest), deserialization —
 * runs inside it, so the span covers the whole call. `low` priority: it sees the input any
 * other initialize middleware has prepared.
 */
function createMiddleware(client: LambdaClientLike, options: InstrumentLambdaClientOptions): InitializeMiddleware {
  return (next, handlerContext) => {
    const operation = OPERATIONS.get(handlerContext.commandName);
    const clientName = handlerContext.clientName;
    if (operation === undefined || (typeof clientName === 'string' && clientName !== 'LambdaClient')) return next;
    return async (args) => {
      // Looked up per call, not at instrumentation: a client made at module scope must not
      // create the process's tracing before `withTracing(handler, options)` does.
      const tracing = getTracing();
      if (tracing === undefined) return next(args);
      const call = startCall(tracing, client, operation, args.input, options);
      if (call === undefined) return next(args);
      const sent = call.input === args.input ? args : { ...args, input: call.input };
      let output: unknown;
      try {
        output = await contextApi.with(call.context, next, undefined, sent);
      } catch (error) {
        await endCall(call, { error });
        throw error; // the SDK's own error, unchanged
      }
      // InvokeWithResponseStream resolves when the response starts: the span covers the call,
      // not the reading of the stream, and an error reported in its InvokeComplete event is not seen.
      await endCall(call, { output });
      return output;
    };
  };
}

/**
 * Trace a Lambda client's `Invoke`, `InvokeWithResponseStream` and `InvokeAsync` calls: each
 * gets a CLIENT span under the active context, and the span's context travels to the
 * function — in `ClientContext.custom` for synchronous invokes (merged into the caller's own
 * ClientContext), in the `_baton` payload envelope for asynchronous ones. Returns the same
 * client; instrumenting twice is the same as once; anything that is not an AWS SDK v3 client
 * is returned untouched. Instrument before the client's first call if it caches middleware
 * (`cacheMiddleware: true`).
 *
 * @example
 * import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
 * import { instrumentLambdaClient, withTracing } from 'lambda-baton';
 *
 * const lambda = instrumentLambdaClient(new LambdaClient({}));
 * export const handler = withTracing(async (event) => {
 *   await lambda.send(new InvokeCommand({ FunctionName: 'billing', Payload: JSON.stringify(event) }));
 * });
 */
export function instrumentLambdaClient<C>(client: C, options: InstrumentLambdaClientOptions = {}): C {
  try {
    if (!isLambdaClientLike(client)) {
      diagnose('lambda-client:not-a-client', 'instrumentLambdaClient was given something that is not an AWS SDK v3 client (no middlewareStack and config); it is returned unchanged');
      return client;
    }
    if (isInstrumented(client)) return client;
    try {
      client.middlewareStack.add(createMiddleware(client, { ...options }), {
        step: 'initialize',
        priority: 'low',
        name: MIDDLEWARE_NAME,
        tags: ['LAMBDA_BATON'],
      });
    } catch (error) {
      // Another copy of lambda-baton on a stack without identify(): the name is taken, so it is instrumented.
      if (!(error instanceof Error && error.message.includes(MIDDLEWARE_NAME))) throw error;
    }
    try {
      Object.defineProperty(client, INSTRUMENTED, { value: true, configurable: true });
    } catch {
      // A frozen client: identify() (or the duplicate name) is how we recognise it.
    }
  } catch (error) {
    diagnose('lambda-client:instrument', 'could not instrument the Lambda client; its calls are not traced', error);
  }
  return client;
}
