/**
 * API Gateway HTTP API emulation: matches a request against the route table and builds the
 * payload format 2.0 event the Lambda would get; turns the Lambda's result into the response
 * API Gateway would send.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { dispatchRoute, type RouteMatch, routeKey } from '../lambdas/contract/routes.ts';

// The matching itself lives with the route table, which the export report matches against too.
export { dispatchRoute };

type Dispatched = NonNullable<ReturnType<typeof dispatchRoute>>;

/** Builds the payload 2.0 event for a matched request. */
export function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  match: RouteMatch | Dispatched,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies.push(...String(value).split(/;\s*/));
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const contentType = headers['content-type'] ?? '';
  // A compressed body is bytes whatever its content type: base64, as API Gateway passes binary.
  const encoding = headers['content-encoding'] ?? '';
  const compressed = encoding !== '' && !/^identity$/i.test(encoding.trim());
  const textual =
    body.length === 0 ||
    (!compressed &&
      (/json|text|xml|urlencoded|javascript/i.test(contentType) || contentType === ''));
  const now = new Date();
  const key = routeKey(match.route);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !textual,
  };
  if (cookies.length) event.cookies = cookies;
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (match.pathParameters) event.pathParameters = match.pathParameters;
  if (body.length) event.body = textual ? body.toString('utf8') : body.toString('base64');
  return event;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What API Gateway sends for a Lambda result (a bare value becomes a 200 JSON body). */
export function toReply(result: APIGatewayProxyResultV2): HttpReply {
  if (
    typeof result === 'string' ||
    result === null ||
    typeof result !== 'object' ||
    !('statusCode' in result)
  ) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(typeof result === 'string' ? result : JSON.stringify(result)),
    };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies.join(', ');
  const raw = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers,
    body: result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw),
  };
}
