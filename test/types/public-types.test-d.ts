/*
 * The public types, checked by the compiler: `npm run typecheck` compiles this file (tsconfig.test.json),
 * so a wrong type here fails CI even though vitest only runs the few runtime lines. Each
 * `@ts-expect-error` pins a usage that must NOT compile: if it starts compiling, tsc reports the
 * unused directive.
 */
import middy6 from '@middy/core';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyHandler,
  APIGatewayProxyResult,
  Callback,
  Context,
  Handler,
  SQSEvent,
  SQSHandler,
  StreamifyHandler,
} from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expectTypeOf, it } from 'vitest';
import { withTracing } from '../../src/index.js';
import type { LambdaCallback, LambdaContextLike, TracedHandler, TracedStreamingHandler } from '../../src/index.js';
import { traced, tracingMiddleware } from '../../src/middy/index.js';
import type { MiddyRequestLike, MiddyTracingInternal } from '../../src/middy/index.js';

type Result = { statusCode: number; body: string };
declare const event: APIGatewayProxyEvent;
declare const context: Context;

describe('withTracing(handler) types', () => {
  it('types an async (event) handler as (event, context, callback?) => Promise<result>, assignable to Handler', () => {
    const handler = withTracing(async (e: APIGatewayProxyEvent): Promise<Result> => ({ statusCode: 200, body: e.path }));
    expectTypeOf(handler).toEqualTypeOf<TracedHandler<APIGatewayProxyEvent, Result, LambdaContextLike>>();
    expectTypeOf(handler).parameters.toEqualTypeOf<[APIGatewayProxyEvent, LambdaContextLike, (LambdaCallback<Result> | undefined)?]>();
    expectTypeOf(handler).returns.toEqualTypeOf<Promise<Result>>();
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    expectTypeOf(handler).toExtend<Handler<APIGatewayProxyEvent, APIGatewayProxyResult>>();
    // Callable as the runtime calls it, though the handler declares only (event).
    expectTypeOf(handler(event, context)).toEqualTypeOf<Promise<Result>>();
    // @ts-expect-error the event type is the handler's
    void handler({ notAnEvent: true }, context);
    // @ts-expect-error the result is the handler's, not any
    const wrong: Promise<string> = handler(event, context);
    void wrong;
    // @ts-expect-error not assignable to a Handler of another event
    const other: SQSHandler = handler;
    void other;
  });

  it('awaits a sync handler’s result and keeps a declared context type', () => {
    const handler = withTracing((e: APIGatewayProxyEvent, c: Context) => ({ statusCode: 200, body: `${e.path} ${c.awsRequestId}` }));
    expectTypeOf(handler).toEqualTypeOf<TracedHandler<APIGatewayProxyEvent, Result, Context>>();
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    // @ts-expect-error a handler that declares the full Context needs one
    void handler(event, { awsRequestId: 'x' });
  });

  it('types a handler of no parameters with an unknown event', () => {
    const handler = withTracing(async () => 'done');
    expectTypeOf(handler).toEqualTypeOf<TracedHandler<unknown, string, LambdaContextLike>>();
    expectTypeOf(handler).toExtend<Handler<SQSEvent, string>>();
  });

  it('keeps a Handler<E, R>-typed handler’s event and result', () => {
    const main: APIGatewayProxyHandler = async (e) => ({ statusCode: 200, body: e.path });
    const handler = withTracing(main);
    expectTypeOf(handler).toEqualTypeOf<TracedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Context>>();
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    // A handler type given explicitly types an inline handler's parameters.
    const sqs = withTracing<SQSHandler>(async (e) => {
      expectTypeOf(e).toEqualTypeOf<SQSEvent>();
    });
    expectTypeOf(sqs).toExtend<SQSHandler>();
  });

  it('types a callback handler by its callback’s result', () => {
    const handler = withTracing((e: APIGatewayProxyEvent, _c: Context, callback: Callback<APIGatewayProxyResult>) => {
      callback(null, { statusCode: 200, body: e.path });
    });
    expectTypeOf(handler).toEqualTypeOf<TracedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Context>>();
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    expectTypeOf(handler(event, context)).toEqualTypeOf<Promise<APIGatewayProxyResult>>();
  });

  it('keeps a streamifyResponse handler’s (event, responseStream, context) arguments', () => {
    type Streaming = StreamifyHandler<APIGatewayProxyEvent, void>;
    const handler = withTracing({} as Streaming);
    type Stream = Parameters<Streaming>[1];
    expectTypeOf(handler).toEqualTypeOf<TracedStreamingHandler<APIGatewayProxyEvent, Stream, Context, void>>();
    expectTypeOf(handler).toExtend<Streaming>();
    // @ts-expect-error a streaming handler is not a (event, context) handler
    const plain: APIGatewayProxyHandler = handler;
    void plain;
  });

  it('rejects what is not a function', () => {
    // @ts-expect-error a handler is a function
    withTracing({ handler: async () => 1 });
  });
});

describe('traced(middy()) types', () => {
  it('stays a middy instance, callable as (event, context) and assignable to Handler (middy 6)', () => {
    const handler = traced(middy6<APIGatewayProxyEvent, APIGatewayProxyResult>())
      .use(tracingMiddleware())
      .handler(async (e) => ({ statusCode: 200, body: e.path }));
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    expectTypeOf(handler(event, context)).toEqualTypeOf<Promise<APIGatewayProxyResult>>();
    expectTypeOf(handler.use).toBeFunction();
    // @ts-expect-error the event type is middy's
    void handler({ notAnEvent: true }, context);
  });

  it('stays a middy instance, callable as (event, context) and assignable to Handler (middy 7)', () => {
    const handler = traced(middy7<APIGatewayProxyEvent, APIGatewayProxyResult>())
      .use(tracingMiddleware())
      .handler(async (e) => ({ statusCode: 200, body: e.path }));
    expectTypeOf(handler).toExtend<APIGatewayProxyHandler>();
    expectTypeOf(handler(event, context)).toEqualTypeOf<Promise<APIGatewayProxyResult>>();
  });

  it('types the request tracingMiddleware reads and what it leaves there', () => {
    expectTypeOf(tracingMiddleware().before).parameter(0).toEqualTypeOf<MiddyRequestLike>();
    expectTypeOf<MiddyTracingInternal['traceId']>().toEqualTypeOf<string>();
    // @ts-expect-error traced() takes a middy instance
    traced({ use: () => undefined });
  });
});
