/**
 * Property-based (fast-check) over the served /openapi.json, through the local twin: for each
 * operation, requests the document allows — path and query parameters and bodies drawn from
 * their schemas (test/helpers/schema-arbitrary.ts), each checked against its schema before it is
 * sent, with the declared security (the write key for tracking routes, the admin JWT for admin
 * routes) and the rules the document states in words (`from` not after `to`, an experiment's
 * stop after its start) — and every answer must
 *   (a) be a status the document lists for the operation, never a 5xx, and never a 4xx unless the
 *       document declares it for a reason no schema can express (404 for an id nobody tracked), and
 *   (b) have a body that matches the schema the document declares for that status (Ajv, JSON
 *       Schema 2020-12 with formats).
 * Bounded: one fixed seed, RUNS requests per operation, one request at a time.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/model/time.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { arbitraryOf } from '../helpers/schema-arbitrary.ts';
import { startTestStack } from '../helpers/stack.ts';

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  schema: Json;
}
interface Operation {
  operationId: string;
  security: Json[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const SEED = 20_261_202;
const RUNS = 3;
/**
 * 4xx statuses that a request the schemas allow may still get, when the document declares them
 * for the operation: the id (a conversation, a write key, a funnel) names nothing.
 */
const SEMANTIC = new Set([404]);

let stack: LocalStack;
let doc: { paths: Record<string, Record<string, Operation>>; components: Json };
const today = dayOf(Date.now());

beforeAll(async () => {
  stack = await startTestStack('openapi-properties');
  const sent = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(stack.credentials.writeKey),
    body: {
      batch: [
        { type: 'identify', userId: 'ada', traits: { plan: 'pro' } },
        {
          type: 'track',
          event: 'message.sent',
          userId: 'ada',
          timestamp: `${today}T00:00:01Z`,
          properties: { conversationId: 'c1', agentId: 'a1', channel: 'web', tokens: 10 },
        },
      ],
    },
  });
  expect(sent.status).toBe(200);
  await stack.idle();
  doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as typeof doc;
});
afterAll(() => stack?.stop());

/** The parameters of one place as one object schema. */
function parametersSchema(op: Operation, where: 'query' | 'path', omit: readonly string[]): Json {
  const params = (op.parameters ?? []).filter((p) => p.in === where && !omit.includes(p.name));
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required || where === 'path').map((p) => p.name),
    additionalProperties: false,
  };
}

/**
 * Tracking routes take the project from the credential; `project` and `tenant_id` must name that
 * same project (their descriptions say so, and a 403 answers any other), so they are left out.
 */
const IDENTITY = ['project', 'tenant_id'];
/** Values only the server gives out (`nextCursor` of a previous page): a forged one is a 400. */
const GIVEN_OUT = ['cursor'];

interface Drawn {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

/** The request parts of an operation, as one arbitrary, and the schemas they must match. */
function partsOf(op: Operation) {
  const writeKey = op.security.some((s) => 'writeKeyBasic' in s);
  const omit = [...GIVEN_OUT, ...(writeKey ? IDENTITY : [])];
  const schemas: Record<string, Json> = {
    path: parametersSchema(op, 'path', omit),
    query: parametersSchema(op, 'query', omit),
  };
  const body = op.requestBody?.content['application/json']?.schema;
  if (body) schemas.body = body;
  const options = { root: doc as unknown as Json, now: Date.now() };
  const arbitrary = fc.record(
    Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, arbitraryOf(s, options)])),
  ) as fc.Arbitrary<Drawn>;
  return { writeKey, schemas, arbitrary };
}

const dayPart = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : undefined);

/** The rules the document states in words, which no schema holds. */
function statedRulesHold({ query, body }: Drawn): boolean {
  const from = dayPart(query.from ?? query.startDate);
  const to = dayPart(query.to ?? query.endDate) ?? (from === undefined ? undefined : today);
  if (from !== undefined && to !== undefined && from > to) return false;
  if (query.user_id !== undefined && query.userId !== undefined && query.user_id !== query.userId)
    return false;
  const b = body as { start?: string; stop?: string; variants?: { name: string }[] } | undefined;
  if (b?.stop !== undefined && b.start !== undefined && Date.parse(b.stop) <= Date.parse(b.start))
    return false;
  if (b?.variants && new Set(b.variants.map((x) => x.name)).size !== b.variants.length)
    return false;
  return true;
}

function urlOf(path: string, drawn: Drawn): string {
  const url = new URL(
    path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(drawn.path[name]))),
    stack.baseUrl,
  );
  for (const [name, value] of Object.entries(drawn.query))
    url.searchParams.set(name, String(value));
  return url.toString();
}

describe('requests the served /openapi.json allows', () => {
  it('are never refused for what the schemas allow, never a 5xx, and answer as declared', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const compiled = new Map<Json, ValidateFunction>();
    const validatorOf = (schema: Json) => {
      let validate = compiled.get(schema);
      if (!validate) {
        validate = ajv.compile(
          JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')),
        );
        compiled.set(schema, validate);
      }
      return validate;
    };

    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    // What changes settings or keys runs last, so it cannot change what the reads answer.
    const changes = (m: string) => (m === 'put' || m === 'delete' ? 1 : 0);
    operations.sort((a, b) => changes(a.method) - changes(b.method));

    const problems: string[] = [];
    let sent = 0;
    for (const { path, method, op } of operations) {
      const parts = partsOf(op);
      const result = await fc.check(
        fc.asyncProperty(parts.arbitrary, async (drawn) => {
          fc.pre(statedRulesHold(drawn));
          for (const [part, schema] of Object.entries(parts.schemas)) {
            const validate = validatorOf(schema);
            if (!validate(drawn[part as keyof Drawn])) {
              throw new Error(
                `the generator drew a ${part} its schema refuses (${ajv.errorsText(validate.errors)}): ${JSON.stringify(drawn[part as keyof Drawn])}`,
              );
            }
          }
          const req = {
            method: method.toUpperCase(),
            url: urlOf(path, drawn),
            body: drawn.body === undefined ? undefined : JSON.stringify(drawn.body),
          };
          sent += 1;
          const res = await fetch(req.url, {
            method: req.method,
            headers: {
              'content-type': 'application/json',
              ...(op.security.length === 0
                ? {}
                : parts.writeKey
                  ? basic(stack.credentials.writeKey)
                  : bearer(stack.credentials.adminToken)),
            },
            ...(req.body ? { body: req.body } : {}),
          });
          const text = await res.text();
          const said = `${req.method} ${req.url.slice(stack.baseUrl.length)} ${req.body ?? ''} → ${res.status} ${text.slice(0, 300)}`;
          const declared = op.responses[String(res.status)];
          if (!declared) throw new Error(`status not in the document: ${said}`);
          if (res.status >= 500) throw new Error(`a 5xx: ${said}`);
          if (res.status >= 400 && !SEMANTIC.has(res.status)) {
            throw new Error(`refused what the document allows: ${said}`);
          }
          const type = (res.headers.get('content-type') ?? '').split(';')[0] as string;
          const schema = declared.content?.[type]?.schema;
          if (!schema) throw new Error(`no schema for ${type}: ${said}`);
          const validate = validatorOf(schema);
          if (!validate(type === 'application/json' ? JSON.parse(text) : text)) {
            throw new Error(
              `body breaks its schema (${ajv.errorsText(validate.errors, { separator: '; ' })}): ${said}`,
            );
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      if (result.failed) {
        problems.push(`${op.operationId}: ${(result.errorInstance as Error).message}`);
      }
    }
    console.log(
      `openapi properties: ${operations.length} operations, ${sent} requests, ${problems.length} operations with a mismatch`,
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations.length * RUNS);
  }, 240_000);
});
