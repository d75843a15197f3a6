import { SpanStatusCode, context as contextApi, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanKind } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { ATTR_AWS_REQUEST_ID } from '@opentelemetry/semantic-conventions/incubating';
import { diagnose } from '../diagnostics.js';
import { recordError } from '../handler/outcome.js';
import { LineageXRayPropagator } from '../propagation/xray.js';
import { getTracing } from '../tracer/provider.js';
import type { Tracing } from '../tracer/provider.js';
import { isObject } from '../triggers/shape.js';
import type { Json } from '../triggers/shape.js';
import type { Fields } from './lambda-carriers.js';

/**
 * The shared half of every instrumented AWS SDK v3 client: recognise the client, add one
 * middleware (once), run each send of a command the service module knows in a span, and let
 * that module write the carrier into a copy of the command's input. What is specific to a
 * service (which commands, span names, where the context goes) lives in its own module,
 * `src/clients/<service>.ts`; the list of services is `src/clients/index.ts`.
 *
 * The client is typed structurally, so any v3 version works and nothing from `@aws-sdk/*`
 * is loaded at runtime.
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
export interface SdkClientLike {
  readonly middlewareStack: MiddlewareStackLike;
  readonly config: { readonly region?: unknown; readonly serviceId?: unknown };
}

/** Options for {@link instrumentClient}. */
export interface InstrumentClientOptions {
  /**
   * Write the `_baton` payload envelope on asynchronous Lambda invokes made with this client.
   * Default: the process configuration (`payloadEnvelope`, `BATON_PAYLOAD_ENVELOPE`). Turn it
   * off for targets that reject unknown payload keys and are not instrumented.
   */
  readonly payloadEnvelope?: boolean;
}

/** What a service module gets to write one send's carrier. */
export interface SendContext {
  readonly tracing: Tracing;
  /** The span's context: what the request (every entry of a batch) carries. */
  readonly context: Context;
  readonly options: InstrumentClientOptions;
  /** The configured propagators' fields for `context`, computed once per send. */
  fields(): Fields;
  /** `context` as an X-Ray header (`Root=…;Parent=…;Sampled=…`, with `Lineage` kept). */
  xrayHeader(): string | undefined;
}

/** One command of a service: how its span is named and attributed, and where its context goes. */
export interface CommandSpec {
  /** The span's name and attributes, from the command's input: a fresh object, to which the shared part may add. */
  readonly span: (input: Json) => { readonly name: string; readonly attributes: Attributes };
  /**
   * The input with the context written into it: a copy, since the caller's input object is
   * kept by the command and may be sent again; `input` itself when nothing is written. May
   * throw: the shared part then sends `input` unchanged and says so once.
   */
  readonly inject: (input: Json, send: SendContext) => Json;
  /** What the response tells the span: a message id, partial batch failures. */
  readonly end?: (span: Span, output: Json) => void;
}

/** One AWS service: data plus the writers in its commands. */
export interface SdkService {
  /** The client's `config.serviceId`, e.g. `SQS`. */
  readonly serviceId: string;
  /** The handler context's `clientName`, e.g. `SQSClient`. */
  readonly clientName: string;
  /** How diagnostics name the service. */
  readonly label: string;
  readonly kind: SpanKind;
  /** The attribute the client's region goes into, unless the span's attributes already have it. */
  readonly regionAttribute: string;
  /** Keyed by the command's name without its `Command` suffix. */
  readonly commands: Readonly<Record<string, CommandSpec>>;
}

/** The middleware's name in the client's stack; also how we recognise an instrumented client. */
export const MIDDLEWARE_NAME = 'lambdaBatonInvokeMiddleware';
/** Marks an instrumented client. A registry symbol, so two copies of lambda-baton agree. */
const INSTRUMENTED = Symbol.for('lambda-baton.instrumented-client');

/** An AWS SDK v3 client: a middleware stack and a resolved config. */
export function isSdkClient(value: unknown): value is SdkClientLike {
  const candidate = value as Partial<SdkClientLike> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.middlewareStack?.add === 'function' &&
    typeof candidate.middlewareStack.addRelativeTo === 'function' &&
    typeof candidate.config === 'object' &&
    candidate.config !== null
  );
}

function isInstrumented(client: SdkClientLike): boolean {
  // The marker first: the layer instruments on every `send`, and `identify()` builds and
  // sorts the whole middleware list. (A user who removes our middleware by name after
  // instrumenting keeps it removed.)
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
async function clientRegion(config: SdkClientLike['config']): Promise<string | undefined> {
  try {
    const region = typeof config.region === 'function' ? await (config.region as () => unknown)() : config.region;
    return typeof region === 'string' && region !== '' ? region : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the X-Ray header whatever propagators are configured: SQS's AWSTraceHeader is always X-Ray. */
const xrayWriter = new LineageXRayPropagator();

function sendContext(tracing: Tracing, context: Context, options: InstrumentClientOptions): SendContext {
  let fields: Fields | undefined;
  let xray: string | null | undefined;
  return {
    tracing,
    context,
    options,
    fields() {
      if (fields === undefined) {
        fields = {};
        tracing.propagation.injector.inject(context, fields, defaultTextMapSetter);
      }
      return fields;
    },
    xrayHeader() {
      if (xray === undefined) {
        const carrier: Fields = {};
        xrayWriter.inject(context, carrier, defaultTextMapSetter);
        xray = Object.values(carrier)[0] ?? null;
      }
      return xray ?? undefined;
    },
  };
}

/**
 * A client's region, resolved once: it is fixed when the client is made, and resolving the
 * provider on every send would cost a promise and a turn of the microtask queue each time.
 */
class RegionOf {
  #value: string | undefined;
  #pending: Promise<string | undefined> | undefined;

  constructor(private readonly config: SdkClientLike['config']) {}

  /** The region if known, else a promise of it. */
  get(): string | undefined | Promise<string | undefined> {
    if (this.#value !== undefined) return this.#value;
    this.#pending ??= clientRegion(this.config).then((region) => {
      this.#value = region;
      if (region === undefined) this.#pending = undefined; // try again next time
      return region;
    });
    return this.#pending;
  }
}

/** One send's span, the context it runs in, and the input to send. */
interface Call {
  readonly span: Span;
  readonly context: Context;
  readonly input: unknown;
  readonly region: string | undefined | Promise<string | undefined>;
}

function startCall(
  tracing: Tracing,
  regionOf: RegionOf,
  service: SdkService,
  command: CommandSpec,
  commandName: string,
  input: unknown,
  options: InstrumentClientOptions,
): Call | undefined {
  let span: Span | undefined;
  try {
    const fields: Json = isObject(input) ? input : {};
    const { name, attributes } = command.span(fields);
    let region = attributes[service.regionAttribute] === undefined ? regionOf.get() : undefined;
    if (typeof region === 'string') {
      // Known (every send after a client's first): an attribute at start, not a setAttribute at the end.
      attributes[service.regionAttribute] = region;
      region = undefined;
    }
    const parent = contextApi.active();
    span = tracing.tracer.startSpan(name, { kind: service.kind, attributes }, parent);
    const context = trace.setSpan(parent, span);
    let sent = input;
    try {
      if (isObject(input)) sent = command.inject(input, sendContext(tracing, context, options));
    } catch (error) {
      diagnose(`${service.label}:inject:${commandName}`, `could not add trace context to ${service.label} ${commandName}; it is sent unchanged`, error);
      sent = input;
    }
    return { span, context, input: sent, region };
  } catch (error) {
    span?.end();
    diagnose(`${service.label}:start`, `could not start a span for ${service.label} ${commandName}; it is sent untraced`, error);
    return undefined;
  }
}

function requestId(value: unknown): string | undefined {
  const id = (value as { $metadata?: { requestId?: unknown } } | null | undefined)?.$metadata?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** End the span with the outcome; synchronous once the client's region is known. */
function endCall(service: SdkService, command: CommandSpec, call: Call, outcome: { output: unknown } | { error: unknown }): Promise<void> | undefined {
  if (call.region instanceof Promise) {
    return call.region.then(
      (region) => finishCall(service, command, call, region, outcome),
      () => finishCall(service, command, call, undefined, outcome),
    );
  }
  finishCall(service, command, call, call.region, outcome);
  return undefined;
}

function finishCall(service: SdkService, command: CommandSpec, call: Call, region: string | undefined, outcome: { output: unknown } | { error: unknown }): void {
  const { span } = call;
  try {
    if (region !== undefined) span.setAttribute(service.regionAttribute, region);
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
      if (isObject(output)) command.end?.(span, output);
    }
  } catch (error) {
    diagnose(`${service.label}:end`, `could not record the outcome of a ${service.label} call`, error);
  } finally {
    span.end();
  }
}

/** Marks a span as failed by partial batch failures: `failed` of `total` entries. */
export function failedEntries(span: Span, failed: number, total: number | undefined): void {
  if (failed <= 0) return;
  span.setAttribute(ATTR_ERROR_TYPE, 'partial_failure');
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed}${total === undefined ? '' : ` of ${total}`} entries failed` });
}

/** `Command` names the SDK's commands carry, without the suffix. */
function commandKey(commandName: unknown): string | undefined {
  return typeof commandName === 'string' && commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : undefined;
}

/*
 * One middleware at the `initialize` step: the only step where `args.input` can still be
 * changed before the serializer writes the request. Everything after it — serialization,
 * signing, retries (finalizeRequest), deserialization — runs inside it, so the span covers
 * the whole call. `low` priority: it sees the input any other initialize middleware prepared.
 */
function createMiddleware(client: SdkClientLike, service: SdkService, options: InstrumentClientOptions): InitializeMiddleware {
  const regionOf = new RegionOf(client.config);
  return (next, handlerContext) => {
    const key = commandKey(handlerContext.commandName);
    const command = key === undefined ? undefined : service.commands[key];
    const clientName = handlerContext.clientName;
    if (key === undefined || command === undefined || (typeof clientName === 'string' && clientName !== service.clientName)) return next;
    return async (args) => {
      // Looked up per call, not at instrumentation: a client made at module scope must not
      // create the process's tracing before `withTracing(handler, options)` does.
      const tracing = getTracing();
      if (tracing === undefined) return next(args);
      const call = startCall(tracing, regionOf, service, command, key, args.input, options);
      if (call === undefined) return next(args);
      const sent = call.input === args.input ? args : { ...args, input: call.input };
      let output: unknown;
      try {
        output = await contextApi.with(call.context, next, undefined, sent);
      } catch (error) {
        await endCall(service, command, call, { error });
        throw error; // the SDK's own error, unchanged
      }
      const ending = endCall(service, command, call, { output });
      if (ending !== undefined) await ending;
      return output;
    };
  };
}

/**
 * Instrument `client` if it is an AWS SDK v3 client of one of `services`; anything else is
 * returned untouched. Idempotent.
 */
export function instrumentWith<C>(client: C, services: readonly SdkService[], options: InstrumentClientOptions): C {
  try {
    if (!isSdkClient(client)) {
      diagnose('sdk-client:not-a-client', 'instrumentClient was given something that is not an AWS SDK v3 client (no middlewareStack and config); it is returned unchanged');
      return client;
    }
    const serviceId = client.config.serviceId;
    const service = services.find((s) => s.serviceId === serviceId);
    if (service === undefined || isInstrumented(client)) return client;
    try {
      client.middlewareStack.add(createMiddleware(client, service, { ...options }), {
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
    diagnose('sdk-client:instrument', 'could not instrument an AWS SDK client; its calls are not traced', error);
  }
  return client;
}
