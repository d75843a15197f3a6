/**
 * A real HTTP server on 127.0.0.1 that answers AWS JSON-protocol calls (SQS, EventBridge,
 * Kinesis, Step Functions) and SNS query calls with answers a test chooses, for what moto
 * cannot be made to answer: partial batch failures, a failed express execution. Every
 * request is recorded as sent.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  /** `X-Amz-Target` (JSON protocols) or the query `Action` (SNS). */
  readonly operation: string;
  readonly body: string;
}

export interface FakeAnswer {
  readonly status?: number;
  /** JSON answers are serialised; strings are sent as XML. */
  readonly body: unknown;
}

export interface FakeAws {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** The answer for an operation (e.g. `SendMessageBatch`); default: an SQS-valid answer for sends, `{}` otherwise. */
  answer(operation: string, make: (body: string) => FakeAnswer): void;
  reset(): void;
  close(): Promise<void>;
}

export const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** SQS checks MD5OfMessageBody in its answers: a valid one for each message sent. */
function defaultAnswer(operation: string, body: string): FakeAnswer {
  const input = operation === 'Publish' || operation === 'PublishBatch' ? {} : (JSON.parse(body || '{}') as Record<string, any>);
  switch (operation) {
    case 'SendMessage':
      return { body: { MessageId: 'm-1', MD5OfMessageBody: md5(input['MessageBody'] ?? '') } };
    case 'SendMessageBatch':
      return {
        body: { Successful: (input['Entries'] ?? []).map((e: any, i: number) => ({ Id: e.Id, MessageId: `m-${i}`, MD5OfMessageBody: md5(e.MessageBody ?? '') })), Failed: [] },
      };
    case 'Publish':
      return { body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>p-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>' };
    case 'PublishBatch':
      return { body: '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful></Successful><Failed></Failed></PublishBatchResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishBatchResponse>' };
    default:
      return { body: {} };
  }
}

export async function startFakeAws(): Promise<FakeAws> {
  const requests: FakeRequest[] = [];
  const answers = new Map<string, (body: string) => FakeAnswer>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : (new URLSearchParams(body).get('Action') ?? '');
      requests.push({ operation, body });
      let answer: FakeAnswer;
      try {
        answer = (answers.get(operation) ?? ((b: string) => defaultAnswer(operation, b)))(body);
      } catch {
        answer = { status: 500, body: { __type: 'InternalFailure' } };
      }
      const xml = typeof answer.body === 'string';
      res.writeHead(answer.status ?? 200, {
        'content-type': xml ? 'text/xml' : 'application/x-amz-json-1.0',
        'x-amzn-requestid': 'fake-request-id',
      });
      res.end(xml ? (answer.body as string) : JSON.stringify(answer.body));
    });
  });
  // Clients keep connections alive between tests; a server closing one the client is about to
  // reuse (Node's default after 5 idle seconds) would fail that send with ECONNRESET.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer: (operation, make) => void answers.set(operation, make),
    reset: () => {
      requests.length = 0;
      answers.clear();
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
