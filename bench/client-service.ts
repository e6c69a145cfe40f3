/**
 * A minimal HTTP service for the client benchmark (bench/client.ts), run as its own process:
 * `GET /users/:id` answers a small JSON body, with Tally's `node:http` middleware (`on`) or
 * without it (`off`). Prints `{"port":…}` when listening; a line on stdin closes the server and
 * the client (flushing it) and prints `{"stats":…,"cpuUs":…}` (CPU time while it served).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * The client as published (`npm pack` builds `dist/` with tsc; bench/client.ts builds it the same
 * way and names its entry in `TALLY_CLIENT_ENTRY`); the sources when run by hand.
 */
const { Tally, tallyHttp } = (await import(
  process.env.TALLY_CLIENT_ENTRY ?? '../client/src/index.ts'
)) as typeof import('../client/src/index.ts');

const withMiddleware = process.argv[2] === 'on';
let dropped = 0;
const tally = withMiddleware
  ? new Tally({
      writeKey: process.env.TALLY_WRITE_KEY ?? '',
      host: process.env.TALLY_HOST ?? '',
      onDrop: (d) => {
        dropped += d.length;
      },
    })
  : undefined;

function listener(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.stringify({ id: (req.url ?? '').slice('/users/'.length), name: 'Ada' });
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = createServer(
  tally ? tallyHttp(tally, listener, { routes: ['/users/:id'] }) : listener,
);
server.keepAliveTimeout = 60_000;
// The process's CPU time from listening to the stop line: the middleware's and the client's
// whole work per request (recording, batching, sending), whatever the machine's load.
let cpuStart = process.cpuUsage();
server.listen(0, '127.0.0.1', () => {
  cpuStart = process.cpuUsage();
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});

createInterface({ input: process.stdin }).once('line', async () => {
  const cpu = process.cpuUsage(cpuStart);
  server.closeAllConnections();
  server.close();
  await tally?.close({ timeoutMs: 60_000 });
  console.log(
    JSON.stringify({
      stats: tally ? { ...tally.stats(), dropped } : null,
      cpuUs: cpu.user + cpu.system,
    }),
  );
  process.exit(0);
});
