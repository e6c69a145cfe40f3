/**
 * The OpenAPI 3.1 document of the whole API, generated from the route table and from the same
 * valibot schemas that validate requests (report query strings and path parameters, Segment
 * messages, domain payloads) and that describe each response, so it cannot drift from what the
 * API accepts and answers. Every status a route can answer is listed, with its body's schema.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import * as v from 'valibot';
import { domainJsonSchema } from '../contract/domain.ts';
import type { RouteDef } from '../contract/route-def.ts';
import { type CompatRoute, SEED_QUERY } from '../contract/route-table/compat.ts';
import { type CompatRouteDef, operationIdOf, ROUTES, routeKey } from '../contract/routes.ts';
import {
  acceptedResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
} from '../model/responses.ts';
import { batchSchema, MESSAGE_SCHEMAS } from '../model/schemas.ts';
import { ISO_DATE_TIME_JSON } from '../model/time.ts';
import { metricsQuery } from './metrics-endpoint.ts';
import { projectParam, type Report } from './report.ts';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12, the dialect of OpenAPI 3.1. */
export function jsonSchemaOf(schema: GenericSchema, mode: 'input' | 'output' = 'input'): Json {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    target: 'draft-2020-12',
    typeMode: mode,
    errorMode: 'ignore',
  }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorResponse = (description: string, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error') } },
});

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};

const EVENT_ITEM = domainJsonSchema('event');

/** Bodies of the domain endpoints (contract/domain.ts says what each item must hold). */
const DOMAIN_BODIES: Record<string, Json> = {
  '/v1/track/activity': domainJsonSchema('activity'),
  '/v1/track/api-usage': domainJsonSchema('api-usage'),
  '/v1/track/conversation': domainJsonSchema('conversation'),
  '/v1/track/message': domainJsonSchema('message'),
  '/v1/events': EVENT_ITEM,
  '/v1/events/bulk': {
    anyOf: [
      {
        type: 'object',
        properties: { events: { type: 'array', items: EVENT_ITEM, minItems: 1 } },
        required: ['events'],
      },
      { type: 'array', items: EVENT_ITEM, minItems: 1 },
    ],
  },
};

/** Request bodies of the tracking endpoints, by path. */
function trackingBody(path: string): Json | undefined {
  const type = path.replace('/v1/', '');
  if (type in MESSAGE_SCHEMAS) {
    return jsonSchemaOf(MESSAGE_SCHEMAS[type as keyof typeof MESSAGE_SCHEMAS]);
  }
  if (path === '/v1/batch') {
    // Items are checked one by one (so the schema takes any), each as the message its type names.
    const batch = jsonSchemaOf(batchSchema);
    const items = Object.entries(MESSAGE_SCHEMAS).map(([type, schema]) => {
      const message = jsonSchemaOf(schema);
      const properties = { ...(message.properties as Json), type: { const: type } };
      return {
        ...message,
        properties,
        required: [...((message.required as string[]) ?? []), 'type'],
      };
    });
    const properties = batch.properties as Record<string, Json>;
    properties.batch = { ...properties.batch, items: { anyOf: items } };
    return batch;
  }
  return DOMAIN_BODIES[path];
}

function tag(route: RouteDef): string {
  if ('compat' in route) return 'Seed services (compatibility)';
  if (route.path.startsWith('/v1/track/') || route.path.startsWith('/v1/events'))
    return 'Domain tracking';
  if (route.path.startsWith('/v1/')) return 'Tracking (Segment-compatible)';
  if (route.path.includes('/write-keys') || route.path.includes('/projects'))
    return 'Projects and keys';
  if (route.path.startsWith('/api/')) return 'Reports';
  return 'Service';
}

/** The parameters of an object schema (query string or path), one per property. */
function parametersOf(schema: GenericSchema | undefined, where: 'query' | 'path'): Json[] {
  if (!schema) return [];
  const converted = jsonSchemaOf(schema);
  const properties = (converted.properties ?? {}) as Record<string, Json>;
  const required = new Set((converted.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** Path parameters a report does not describe: any one non-empty segment. */
function plainPathParameters(route: RouteDef, described: Json[]): Json[] {
  const known = new Set(described.map((p) => p.name));
  return [...route.path.matchAll(/\{([^}+]+)\+?\}/g)]
    .map((m) => m[1] as string)
    .filter((name) => !known.has(name))
    .map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string', minLength: 1, maxLength: 256 },
    }));
}

function trackOperation(route: RouteDef): Json {
  const body = trackingBody(route.path);
  return {
    parameters: [
      {
        name: 'project',
        in: 'query',
        required: false,
        description: 'With a service JWT naming several projects: the one to send to',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      },
      {
        name: 'tenant_id',
        in: 'query',
        required: false,
        description:
          "The CRM seed's tenant: must be the credential's project (403 otherwise); also read from the body",
        schema: { type: 'string' },
      },
    ],
    requestBody: {
      required: true,
      description: 'JSON, or JSON sent with `Content-Encoding: gzip` or `deflate`',
      content: {
        'application/json': {
          schema: body ?? { type: 'object' },
        },
      },
    },
    responses: {
      '200': {
        description:
          'Every valid event was accepted; each rejected one (if any) is named in `rejected`',
        content: { 'application/json': { schema: ref('Accepted') } },
      },
      '400': errorResponse('Malformed body, or every event was rejected (each one named)'),
      '401': errorResponse('Missing, unknown or revoked write key'),
      '403': errorResponse('A service token without the track scope or for another project'),
      '413': errorResponse('Request body over 500 KB, before or after decompression'),
      '415': errorResponse('A Content-Encoding other than gzip or deflate'),
      '500': errorResponse('A bug; the detail is in the logs'),
      '503': errorResponse('The event bus refused events; retry after Retry-After', RETRY_AFTER),
    },
  };
}

/** 003's `period` values (http/compat.ts reads them without regard to case). */
const SEED_PERIODS = ['hour', 'day', 'week', 'month'];

/**
 * The seeds' spellings of a query's parameters (SEED_QUERY, or a compat row's), beside Tally's,
 * each taking what its Tally parameter takes (a day also as a date-time, a period by name).
 */
function seedParameters(query: Json[], names: CompatRoute['query'] = SEED_QUERY): Json[] {
  const present = new Map(query.map((p) => [p.name as string, p]));
  return Object.entries(names ?? {})
    .filter(([seed, { to }]) => present.has(to) && !present.has(seed))
    .map(([seed, { to, value }]) => {
      const target = present.get(to)?.schema as Json;
      const schema =
        value === 'day'
          ? { anyOf: [target, { type: 'string', maxLength: 64, ...ISO_DATE_TIME_JSON }] }
          : value === 'period'
            ? { type: 'string', enum: SEED_PERIODS }
            : target;
      return {
        name: seed,
        in: 'query',
        required: false,
        description: `The seeds' spelling of \`${to}\`${value === 'day' ? ' (a date or date-time)' : value === 'period' ? ' (hour, day, week or month)' : ''}; \`${to}\` wins when both are sent`,
        schema,
      };
    });
}

/**
 * A response schema with a compat row's seed field names beside Tally's: each has its Tally
 * field's schema (a duration in seconds is a number like the ms it comes from). A map naming a
 * field the schema lacks fails at cold start, as the document is built then.
 */
function withSeedFieldSchemas(schema: Json, maps: CompatRoute['fields']): Json {
  if (!maps) return schema;
  const copy = structuredClone(schema);
  for (const map of maps) {
    let place = (map.at === undefined ? copy : (copy.properties as Json)?.[map.at]) as Json;
    if (place?.type === 'array') place = place.items as Json;
    const properties = place?.properties as Record<string, Json> | undefined;
    if (!properties) throw new Error(`seed field map: no object at ${map.at ?? 'the answer'}`);
    const required = (place.required ?? []) as string[];
    for (const [name, spec] of Object.entries(map.fields)) {
      const from = typeof spec === 'string' ? spec : spec.from;
      const source = properties[from];
      if (!source)
        throw new Error(`seed field map: ${name} names ${from}, which is not in the answer`);
      properties[name] = {
        ...source,
        description: `The seed's name for \`${from}\`${typeof spec === 'string' ? '' : ', in seconds'}`,
      };
      if (required.includes(from)) required.push(name);
    }
  }
  return copy;
}

function reportOperation(
  route: RouteDef,
  report: Report<unknown> | undefined,
  compat?: CompatRoute,
): Json {
  // A seed route has its own path parameters; the target's are filled in from them, so each
  // takes what its target parameter takes.
  const targetPath = parametersOf(report?.path, 'path');
  const path = compat
    ? Object.entries(compat.pathParameters ?? {}).flatMap(([name, spec]) => {
        const seedName = /^\{(.+)\}$/.exec(spec)?.[1];
        const target = targetPath.find((p) => p.name === name);
        return seedName && target ? [{ ...target, name: seedName }] : [];
      })
    : targetPath;
  const query = parametersOf(report?.query, 'query').filter(
    (p) => !compat?.fixed || !((p.name as string) in compat.fixed),
  );
  const parameters = [
    ...path,
    ...plainPathParameters(route, path),
    ...query,
    ...seedParameters(query, { ...SEED_QUERY, ...compat?.query }),
  ];
  const status = String(report?.status ?? 200);
  const media = report?.media ?? (report?.response ? { 'application/json': report.response } : {});
  const responses: Json = {
    [status]: {
      description: 'OK',
      content: Object.fromEntries(
        Object.entries(media).map(([type, schema]) => [
          type,
          { schema: withSeedFieldSchemas(jsonSchemaOf(schema, 'output'), compat?.fields) },
        ]),
      ),
    },
    '400': errorResponse('Invalid parameters; the message names each one'),
    '401': errorResponse('Missing, invalid or expired token'),
    '403': errorResponse('Not an admin, or a project the token does not cover'),
    ...Object.fromEntries(
      Object.entries(report?.errors ?? {}).map(([code, description]) => [
        code,
        errorResponse(description as string),
      ]),
    ),
    '500': errorResponse('A bug; the detail is in the logs'),
  };
  const op: Json = { parameters, responses };
  if (report?.body) {
    op.requestBody = {
      required: false,
      content: { 'application/json': { schema: jsonSchemaOf(report.body) } },
    };
  }
  return op;
}

/** The routes answered outside the report registry, with what they answer. */
const SERVICE_OPERATIONS: Record<string, () => Json> = {
  'GET /health': () => ({
    responses: {
      '200': {
        description: 'The service is up',
        content: { 'application/json': { schema: jsonSchemaOf(healthResponseSchema, 'output') } },
      },
    },
  }),
  'GET /t.js': () => ({
    responses: {
      '200': {
        description: 'The browser tracker script, under 1 KB gzipped (docs/tracking.md)',
        content: { 'text/javascript': { schema: { type: 'string' } } },
      },
    },
  }),
  'GET /openapi.json': () => ({
    responses: {
      '200': {
        description: 'This document',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['openapi', 'info', 'paths'],
              properties: {
                openapi: { type: 'string' },
                info: { type: 'object' },
                paths: { type: 'object' },
              },
            },
          },
        },
      },
    },
  }),
  'GET /metrics': () => ({
    parameters: parametersOf(metricsQuery, 'query'),
    responses: {
      '200': {
        description: 'Prometheus text exposition format 0.0.4',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      '401': errorResponse('Missing, invalid or expired token'),
      '403': errorResponse('Neither an admin nor a metrics-only token'),
      '404': errorResponse('A project the token covers, but that does not exist'),
      '500': errorResponse('A bug; the detail is in the logs'),
    },
  }),
};

function securityOf(route: RouteDef): Json[] {
  if (route.auth === 'public') return [];
  if (route.auth === 'writeKey') return [{ writeKeyBasic: [] }, { bearer: [] }];
  return [{ bearer: [] }];
}

/** A seed route whose target Tally does not have yet. */
const notYetOperation = (compat: CompatRoute): Json => ({
  parameters: [
    ...plainPathParameters({ path: compat.path } as RouteDef, []),
    ...parametersOf(v.object({ project: projectParam }), 'query'),
  ],
  responses: {
    '400': errorResponse('Invalid parameters; the message names each one'),
    '401': errorResponse('Missing, invalid or expired token'),
    '403': errorResponse('Not an admin, or a project the token does not cover'),
    '500': errorResponse('A bug; the detail is in the logs'),
    '501': errorResponse(`Answers from ${compat.target} once Tally has it; \`missing\` names it`),
  },
});

function operation(route: RouteDef, reports: ReadonlyMap<string, Report<unknown>>): Json {
  const { compat, targetRoute } = route as Partial<CompatRouteDef>;
  const key = compat?.target ?? routeKey(route);
  const report = reports.get(key);
  const body =
    compat && !targetRoute
      ? notYetOperation(compat)
      : (SERVICE_OPERATIONS[key]?.() ??
        (route.auth === 'writeKey'
          ? trackOperation(targetRoute ?? route)
          : reportOperation(route, report, compat)));
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    tags: [tag(route)],
    security: securityOf(route),
    ...body,
  };
}

/** The document, for `GET /openapi.json`. */
export function openApiDocument(reports: readonly Report<unknown>[]): Json {
  const byRoute = new Map(reports.map((r) => [r.route, r]));
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const entry = paths[route.path] ?? {};
    paths[route.path] = entry;
    entry[route.method.toLowerCase()] = operation(route, byRoute);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tally',
      version: '1',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Serverless analytics: Segment-compatible tracking, domain tracking endpoints, and admin reports. ' +
        'Tracking takes a project write key (HTTP Basic username, or Bearer); the admin API takes a JWT with the admin role. ' +
        'A method a path does not have answers 405 with an `Allow` header listing those it has; ' +
        'every error body is `{"code", "message", "error": {"code", "message", …details}}`.',
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
          description: 'A write key or service JWT (tracking), or an admin JWT (admin API)',
        },
      },
      schemas: {
        Error: jsonSchemaOf(errorResponseSchema, 'output'),
        Accepted: jsonSchemaOf(acceptedResponseSchema, 'output'),
      },
    },
  };
}
