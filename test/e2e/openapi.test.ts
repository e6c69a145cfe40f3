/**
 * The served OpenAPI document against maintained validators (swagger-parser's schema and
 * semantic checks, Redocly's recommended rules), and the methods a path does not have: 405 with
 * `Allow`, through the local twin as API Gateway answers them.
 */
import { request as httpRequest } from 'node:http';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodsOf, operationIdOf, ROUTES } from '../../lambdas/contract/routes.ts';
import type { LocalStack } from '../../local/stack.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let doc: Record<string, unknown>;
beforeAll(async () => {
  stack = await startTestStack('openapi');
  doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as Record<string, unknown>;
});
afterAll(() => stack?.stop());

type Operation = { operationId: string; security?: unknown[]; responses: Record<string, unknown> };
const operations = () =>
  Object.values(doc.paths as Record<string, Record<string, Operation>>).flatMap((p) =>
    Object.values(p),
  );

/** Any method, TRACE included (fetch refuses to send it). */
function send(method: string, path: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(`${stack.baseUrl}${path}`, { method }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the served /openapi.json', () => {
  it('passes swagger-parser (OpenAPI 3.1 schema, refs, unique operationIds, path parameters)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it("has no error under Redocly's recommended rules", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: '/openapi.json',
      config,
    });
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('names every operation with a URL-safe id and declares its security (empty when open)', () => {
    const ops = operations();
    expect(ops).toHaveLength(ROUTES.length);
    for (const op of ops) {
      expect(op.operationId).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(op.security).toBeDefined();
    }
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    expect(operationIdOf({ method: 'GET', path: '/api/v1/analytics/conversations/{id}' })).toBe(
      'getApiV1AnalyticsConversationsById',
    );
  });

  it('gives every 2xx response a schema', () => {
    for (const op of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2')) continue;
        const content = (response as { content: Record<string, { schema?: unknown }> }).content;
        for (const [type, media] of Object.entries(content)) {
          expect(media.schema, `${op.operationId} ${status} ${type}`).toBeDefined();
        }
      }
    }
  });
});

describe('methods a path does not have', () => {
  const paths = [...new Set(ROUTES.map((r) => r.path))];
  const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x');

  it('answer 405 with Allow naming the methods the path has, on every path', async () => {
    for (const path of paths) {
      const allowed = methodsOf(path);
      for (const method of ['TRACE', 'PUT', 'PATCH', 'DELETE', 'POST', 'GET']) {
        if (allowed.includes(method)) continue;
        const res = await send(method, concrete(path));
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.allow).toBe(allowed.join(', '));
        expect(JSON.parse(res.body)).toMatchObject({
          code: 'method_not_allowed',
          error: { code: 'method_not_allowed', allow: allowed },
        });
      }
    }
  });

  it('leave an unknown path a 404', async () => {
    const res = await send('TRACE', '/v1/nope');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'not_found' });
  });
});
