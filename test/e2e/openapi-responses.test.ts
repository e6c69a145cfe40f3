/**
 * Served responses against the schemas the served /openapi.json declares for them: every
 * operation is called through the local twin on a project with data (a conversation, an agent,
 * messages, API calls, a profile), and each answer's status must be one the document lists for
 * that operation and its body must match the declared schema (Ajv, JSON Schema 2020-12 with
 * formats). The admin response schemas are strict, so a field a report adds without declaring it
 * fails here.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPAT_ROUTE_DEFS } from '../../lambdas/contract/routes.ts';
import { dayOf } from '../../lambdas/model/time.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  security: Json[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

let stack: LocalStack;
let doc: { paths: Record<string, Record<string, Operation>>; components: Json };
const today = dayOf(Date.now());
const at = (time: string) => `${today}T${time}Z`;

beforeAll(async () => {
  stack = await startTestStack('openapi-responses');
  const sent = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(stack.credentials.writeKey),
    body: {
      batch: [
        { type: 'identify', userId: 'ada', traits: { plan: 'pro' }, timestamp: at('00:00:01') },
        {
          type: 'track',
          event: 'conversation.started',
          userId: 'ada',
          timestamp: at('00:00:02'),
          properties: { conversationId: 'c1', agentId: 'a1', channel: 'web' },
        },
        {
          type: 'track',
          event: 'message.sent',
          userId: 'ada',
          timestamp: at('00:00:03'),
          properties: {
            conversationId: 'c1',
            agentId: 'a1',
            channel: 'web',
            role: 'user',
            model: 'gpt-4o',
            inputTokens: 10,
            outputTokens: 20,
            responseTimeMs: 300,
            text: 'Thanks, that works great',
          },
        },
        {
          type: 'track',
          event: 'api.request',
          userId: 'ada',
          timestamp: at('00:00:04'),
          properties: { endpoint: '/v1/items', method: 'GET', statusCode: 500, durationMs: 20 },
        },
        { type: 'page', name: 'Home', category: null, userId: 'ada', timestamp: at('00:00:05') },
        // Rejected (no event name): the rejections report has a sample to answer with.
        { type: 'track', userId: 'ada', timestamp: at('00:00:05'), writeKey: 'tk_not_kept' },
      ],
    },
  });
  expect(sent.status).toBe(200);
  await stack.idle();
  doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as typeof doc;
});
afterAll(() => stack?.stop());

/** Concrete values for the path parameters, naming the data sent above. */
const PATH_VALUES: Record<string, string> = {
  id: 'c1',
  format: 'json',
  keyId: '0000000000000000',
  // A standard funnel, which POST funnels replaces and DELETE funnels/{name} restores.
  name: 'onboarding',
};
const concrete = (path: string) =>
  path
    .replace('/resources/{type}/{id}', '/resources/agent/a1')
    .replace('/experiments/{id}', '/experiments/exp-1')
    .replace('/agents/{agentId}', '/agents/a1')
    .replace('/channels/{id}/', '/channels/web/')
    .replace(/\{([^}+]+)\+?\}/g, (_, name: string) => PATH_VALUES[name] ?? 'x');

/** Query strings an operation needs besides the defaults. */
const QUERIES: Record<string, string> = {
  getApiV1AnalyticsExportByFormat: 'report=overview',
  deleteApiV1AnalyticsFeatureAdoptionFeatures: 'name=Chat',
};

/** Bodies of the admin operations that need one (each declares what a later operation reads). */
const ADMIN_BODIES: Record<string, unknown> = {
  postApiV1AnalyticsFeatureAdoptionFeatures: { name: 'Chat', event: 'message.sent' },
  postApiV1AnalyticsExperiments: {
    id: 'exp-1',
    variants: [{ name: 'control' }, { name: 'b' }],
    goal: { event: 'message.sent' },
    start: at('00:00:00'),
  },
  postApiV1AnalyticsFunnels: {
    name: 'onboarding',
    steps: [{ event: 'page.viewed' }, { event: 'message.sent' }],
  },
};

/** Bodies of the tracking operations: one valid message of the route's kind (a seed route's target's). */
function trackBody(seedOrTallyPath: string): unknown {
  const compat = COMPAT_ROUTE_DEFS.find((d) => d.path === seedOrTallyPath && d.method === 'POST');
  const path = compat ? (compat.compat.target.split(' ')[1] as string) : seedOrTallyPath;
  const common = { userId: 'ada', timestamp: at('00:00:06') };
  switch (path) {
    case '/v1/track':
      return { ...common, event: 'clicked' };
    case '/v1/identify':
      return { ...common, traits: { plan: 'pro' } };
    case '/v1/page':
    case '/v1/screen':
      return { ...common, name: 'Home', category: null };
    case '/v1/group':
      return { ...common, groupId: 'g1' };
    case '/v1/alias':
      return { ...common, previousId: 'anon-1' };
    case '/v1/batch':
      return { batch: [{ type: 'track', event: 'clicked', ...common }] };
    case '/v1/track/activity':
      return { userId: 'ada', activityType: 'login' };
    case '/v1/track/api-usage':
      return { endpoint: '/v1/items', method: 'GET', statusCode: 200, responseTimeMs: 5 };
    case '/v1/track/conversation':
      return { conversationId: 'c2', userId: 'ada', action: 'started' };
    case '/v1/track/message':
      return { messageId: 'm1', conversationId: 'c2', userId: 'ada', role: 'user', content: 'hi' };
    case '/v1/events':
      return { eventType: 'agent.run', resourceType: 'agent', resourceId: 'a1' };
    case '/v1/events/bulk':
      return { events: [{ eventType: 'agent.run', resourceType: 'agent', resourceId: 'a1' }] };
    default:
      return {};
  }
}

describe('every served response matches the schema the document declares for it', () => {
  it('for each operation, on a project with data', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const problems: string[] = [];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const writeKey = op.security.some((s) => 'writeKeyBasic' in s);
        const query = QUERIES[op.operationId] ?? '';
        const res = await fetch(`${stack.baseUrl}${concrete(path)}?${query}`, {
          method: method.toUpperCase(),
          headers: {
            'content-type': 'application/json',
            ...(writeKey
              ? basic(stack.credentials.writeKey)
              : bearer(stack.credentials.adminToken)),
          },
          ...(writeKey ? { body: JSON.stringify(trackBody(path)) } : {}),
          ...(op.operationId in ADMIN_BODIES
            ? { body: JSON.stringify(ADMIN_BODIES[op.operationId]) }
            : {}),
        });
        const text = await res.text();
        const declared = op.responses[String(res.status)];
        const where = `${op.operationId} ${res.status}`;
        if (!declared) {
          problems.push(`${where}: status not in the document (${text.slice(0, 200)})`);
          continue;
        }
        const type = (res.headers.get('content-type') ?? '').split(';')[0] as string;
        const schema = declared.content?.[type]?.schema;
        if (!schema) {
          problems.push(`${where}: no schema for ${type}`);
          continue;
        }
        const body = type === 'application/json' ? JSON.parse(text) : text;
        const resolved = JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'),
        );
        const validate = ajv.compile(resolved);
        if (!validate(body)) {
          problems.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
        }
        // 501: a seed route whose Tally report does not exist yet (the document says so).
        if (!res.status.toString().startsWith('2') && !/keyId/.test(path) && res.status !== 501) {
          problems.push(`${where}: not a 2xx (${text.slice(0, 200)})`);
        }
        checked += 1;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBe(Object.values(doc.paths).flatMap((m) => Object.values(m)).length);
    // One request per operation, one after another, on a shared 2-core machine.
  }, 180_000);
});
