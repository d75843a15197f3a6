// A server on 127.0.0.1 that answers SendMessage and SendMessageBatch as SQS does (JSON
// protocol, with the MD5 digests the SDK checks), in its own process so that a client
// benchmark counts the client's CPU alone. Reports its URL, and on request how many messages
// arrived with a traceparent attribute (so a benchmark that silently stopped injecting fails).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const md5 = (text) => createHash('md5').update(text, 'utf8').digest('hex');
// SQS's digest of message attributes: sorted names; length-prefixed name, type, 1, value.
function md5Attributes(attributes) {
  const hash = createHash('md5');
  const field = (text) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field(attributes[name].DataType);
    hash.update(Buffer.from([1]));
    field(attributes[name].StringValue);
  }
  return hash.digest('hex');
}

let traced = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const batch = String(req.headers['x-amz-target']).endsWith('SendMessageBatch');
    const messages = batch ? input.Entries : [input];
    traced += messages.filter((m) => m.MessageAttributes?.traceparent !== undefined).length;
    const digests = (m) => ({ MD5OfMessageBody: md5(m.MessageBody), ...(m.MessageAttributes ? { MD5OfMessageAttributes: md5Attributes(m.MessageAttributes) } : {}) });
    const body = JSON.stringify(batch ? { Successful: messages.map((m, i) => ({ Id: m.Id, MessageId: `m-${i}`, ...digests(m) })), Failed: [] } : { MessageId: 'm-1', ...digests(input) });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'r' });
    res.end(body);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (m) => m === 'count' && process.send?.({ traced }));
process.on('disconnect', () => process.exit(0));
