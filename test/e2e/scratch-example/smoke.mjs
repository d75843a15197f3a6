// End-to-end smoke run: picks free ports, starts `osls offline start`, waits for the ready line,
// exercises httpApi -> A -> (SDK Invoke RequestResponse + Event) -> B, invokes C (wrapped), stops.
// Run from a copy of this folder after `npm install`:  node smoke.mjs
import { spawn } from 'node:child_process';
import net from 'node:net';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }).on('error', rej);
});
const [httpPort, lambdaPort] = [await freePort(), await freePort()];
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${lambdaPort}`, // copied into every handler's env
};
const t0 = Date.now();
const child = spawn(process.execPath, ['node_modules/.bin/osls', 'offline', 'start', '--host', '127.0.0.1',
  '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), '--noSponsor'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
const onData = (d) => { out += d; };
child.stdout.on('data', onData); child.stderr.on('data', onData);
await new Promise((res, rej) => {
  const iv = setInterval(() => {
    // serverless-offline logs "Server ready: http://127.0.0.1:PORT 🚀" (stderr) once the HTTP server listens
    if (out.includes('Server ready:')) { clearInterval(iv); res(); }
    if (child.exitCode !== null || Date.now() - t0 > 60_000) { clearInterval(iv); rej(new Error('offline did not start\n' + out)); }
  }, 50);
});
console.log(`ready in ${Date.now() - t0} ms (http ${httpPort}, lambda ${lambdaPort})`);

const body = await (await fetch(`http://127.0.0.1:${httpPort}/a`)).json();
console.log('A via httpApi:', JSON.stringify(body, null, 1));

const client = new LambdaClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${lambdaPort}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const r = await client.send(new InvokeCommand({ FunctionName: 'baton-scratch-dev-c', Payload: JSON.stringify({ hi: 1 }) }));
console.log('C via SDK:', Buffer.from(r.Payload).toString());

await new Promise((res) => setTimeout(res, 500)); // let B's Event invocation log
console.log('B log lines:\n' + out.split('\n').filter((l) => l.startsWith('[B]')).join('\n'));

const t1 = Date.now();
child.kill('SIGINT'); // SIGTERM works too; serverless-offline then runs offline:start:end and exits 0
const code = await new Promise((res) => child.on('exit', (c) => res(c)));
console.log(`stopped in ${Date.now() - t1} ms, exit code ${code}`);
