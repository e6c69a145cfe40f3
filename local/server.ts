/**
 * The local HTTP front door, standing in for CloudFront + API Gateway: API routes from the route
 * table go to the same handlers as in AWS, as payload 2.0 events; other GETs serve the built
 * dashboard; the local issuer's JWKS is at `/.well-known/jwks.json` and its sign-in endpoints
 * under `/local/oauth2/` (local/oidc.ts).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { corsHeaders } from '../lambdas/contract/cors.ts';
import type { FunctionName } from '../lambdas/contract/route-def.ts';
import { errorBody } from '../lambdas/http/error-handler.ts';
import { dispatchRoute, toEvent, toReply } from './apigw.ts';
import { invoke } from './invoke.ts';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface LocalServerOptions {
  port: number;
  host?: string;
  handlers: Record<FunctionName, HttpHandler>;
  webDir: string;
  jwks: () => unknown;
  /** Origins allowed to call the API from a browser (lambdas/contract/cors.ts). @default none */
  corsOrigins?: readonly string[];
  /** Extra local endpoints (the local issuer's sign-in); true when it answered. */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** API Gateway's payload limit. */
  maxBodyBytes?: number;
  onError?: (error: unknown) => void;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer | string,
) {
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  send(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startServer(
  options: LocalServerOptions,
): Promise<{ server: Server; url: string }> {
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;

  async function serveStatic(res: ServerResponse, path: string, head: boolean) {
    const relative = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    const file = join(options.webDir, relative);
    if (!file.startsWith(options.webDir))
      return sendJson(res, 404, errorBody('not_found', 'Not found'));
    try {
      const body = await readFile(file);
      send(
        res,
        200,
        {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
        },
        head ? '' : body,
      );
    } catch {
      sendJson(res, 404, errorBody('not_found', `No route or file for ${path}`));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    // Like API Gateway: the route of the method, else the path's ANY route (the function's 405).
    const match = dispatchRoute(method, url.pathname);
    // The track function answers its routes' CORS itself (lambdas/track/cors.ts), as in AWS
    // without -c corsOrigins; the admin API's is answered here, as API Gateway does.
    const cors =
      match?.route.fn === 'track'
        ? {}
        : corsHeaders(req.headers.origin, options.corsOrigins ?? [], method === 'OPTIONS');
    if (method === 'OPTIONS' && cors['access-control-allow-origin'])
      return send(res, 204, cors, '');
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (match) {
      const body = await readBody(req, maxBody);
      if (!body)
        return sendJson(
          res,
          413,
          errorBody('payload_too_large', `Request body over ${maxBody} bytes`),
        );
      const event = toEvent(req, url, body, match);
      const handler = options.handlers[match.route.fn];
      const reply = toReply(await invoke(handler, `tally-${match.route.fn}`, event));
      return send(res, reply.status, reply.headers, reply.body);
    }
    if (url.pathname === '/.well-known/jwks.json' && method === 'GET')
      return sendJson(res, 200, options.jwks());
    if (options.extra && (await options.extra(req, res, url))) return;
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/v1/')) {
      return sendJson(res, 404, errorBody('not_found', `No route ${method} ${url.pathname}`));
    }
    if (method === 'GET' || method === 'HEAD')
      return serveStatic(res, url.pathname, method === 'HEAD');
    sendJson(res, 404, errorBody('not_found', 'Not found'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, errorBody('internal', 'Internal error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { server, url: `http://${host}:${port}` };
}
