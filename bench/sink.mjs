// An OTLP/HTTP sink in its own process, so the benchmark does not count the receiver's work.
import { createServer } from 'node:http';
let requests = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${server.address().port}` }));
// The benchmark asks how many exports arrived, so an export that silently fails is caught.
process.on('message', (m) => m === 'count' && process.send?.({ requests }));
process.on('disconnect', () => process.exit(0));
