/**
 * The OpenAPI 3.0 document of the whole API, generated from the route table and from the same
 * valibot schemas that validate requests (report query strings, Segment messages), so it cannot
 * drift from what the API accepts.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import type { RouteDef } from '../contract/route-def.ts';
import { ROUTES, routeKey } from '../contract/routes.ts';
import { batchSchema, MESSAGE_SCHEMAS } from '../model/schemas.ts';
import type { Report } from './report.ts';

type Json = Record<string, unknown>;

const convert = (schema: GenericSchema) =>
  toJsonSchema(schema, { target: 'openapi-3.0', typeMode: 'input', errorMode: 'ignore' }) as Json;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Request bodies of the tracking endpoints, by path. */
function trackingBody(path: string): Json | undefined {
  const type = path.replace('/v1/', '');
  if (type in MESSAGE_SCHEMAS) {
    return convert(MESSAGE_SCHEMAS[type as keyof typeof MESSAGE_SCHEMAS]);
  }
  if (path === '/v1/batch') return convert(batchSchema);
  return undefined;
}

function tag(route: RouteDef): string {
  if (route.path.startsWith('/v1/track/') || route.path.startsWith('/v1/events'))
    return 'Domain tracking';
  if (route.path.startsWith('/v1/')) return 'Tracking (Segment-compatible)';
  if (route.path.includes('/write-keys') || route.path.includes('/projects'))
    return 'Projects and keys';
  if (route.path.startsWith('/api/')) return 'Reports';
  return 'Service';
}

function operation(route: RouteDef, report: Report<unknown> | undefined): Json {
  const parameters: Json[] = [];
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
    parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  if (report) {
    const query = convert(report.query as GenericSchema);
    const properties = (query.properties ?? {}) as Record<string, Json>;
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(properties)) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  const contentType = route.path === '/metrics' ? 'text/plain' : 'application/json';
  const responses: Json = {
    [String(report?.status ?? 200)]: { description: 'OK', content: { [contentType]: {} } },
    '400': errorResponse('Invalid request; the body names each problem'),
  };
  const op: Json = {
    summary: route.summary,
    tags: [tag(route)],
    operationId: routeKey(route),
    parameters,
    responses,
  };
  if (route.auth === 'writeKey') {
    op.security = [{ writeKeyBasic: [] }, { bearer: [] }];
    responses['207'] = {
      description: 'Some events accepted; each rejected one is named',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/PartialAccept' } } },
    };
    responses['401'] = errorResponse('Missing, unknown or revoked write key');
    responses['413'] = errorResponse('Request body over 500 KB');
    responses['503'] = errorResponse('The event bus refused events; retry after Retry-After');
    const body = trackingBody(route.path);
    op.requestBody = {
      required: true,
      content: {
        'application/json': {
          schema: body ?? { type: 'object', description: 'A domain payload: see docs/tracking.md' },
        },
      },
    };
  } else if (route.auth === 'admin') {
    op.security = [{ bearer: [] }];
    responses['401'] = errorResponse('Missing, invalid or expired token');
    responses['403'] = errorResponse('Not an admin, or a project the token does not cover');
  }
  return op;
}

/** The document, for `GET /openapi.json`. */
export function openApiDocument(reports: readonly Report<unknown>[]): Json {
  const byRoute = new Map(reports.map((r) => [r.route, r]));
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const entry = paths[route.path] ?? {};
    paths[route.path] = entry;
    entry[route.method.toLowerCase()] = operation(route, byRoute.get(routeKey(route)));
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Tally',
      version: '1',
      description:
        'Serverless analytics: Segment-compatible tracking, domain tracking endpoints, and admin reports. ' +
        'Tracking takes a project write key (HTTP Basic username, or Bearer); the admin API takes a JWT with the admin role.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        writeKeyBasic: {
          type: 'http',
          scheme: 'basic',
          description:
            'The write key as the username, an empty password (as Segment clients send it)',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A write key (tracking) or a JWT (admin)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
              additionalProperties: true,
            },
          },
        },
        PartialAccept: {
          type: 'object',
          properties: {
            success: { type: 'boolean' },
            accepted: { type: 'integer' },
            rejected: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  index: { type: 'integer' },
                  messageId: { type: 'string' },
                  code: { type: 'string', enum: ['invalid', 'too_large', 'too_many', 'bot'] },
                  reason: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
