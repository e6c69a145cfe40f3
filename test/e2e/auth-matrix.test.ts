/**
 * Every admin route refuses what it must: no token, a bad signature, an expired token, `alg: none`,
 * a token without `exp` or living longer than the local twin's 30 days (401, one generic message),
 * a valid token without the admin role, a service token (scope `track`) even with it, and a
 * project outside the token's list (403). Generated from the route table, so a new route is
 * covered the day it lands.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../lambdas/contract/routes.ts';
import { ISSUER_FILE, LOCAL_AUDIENCE, LOCAL_ISSUER, loadIssuer } from '../../local/issuer.ts';
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-auth-'));
  stack = await startTestStack('auth', { dataDir });
  // Tokens the issuer would never mint, signed with its own key.
  const jwk = JSON.parse(readFileSync(join(dataDir, ISSUER_FILE), 'utf8')) as JWK;
  const signed = async (claims: Record<string, unknown>) =>
    new SignJWT({ roles: ['admin'], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .sign(await importJWK(jwk, 'ES256'));
  const stranger = await loadIssuer(
    join(mkdtempSync(join(tmpdir(), 'tally-stranger-')), 'key.json'),
  );
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  tokens['a bad signature'] = await stranger.mint();
  tokens['an expired token'] = await stack.issuer.mint({ expiresIn: now - 60 });
  tokens['alg none'] =
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ roles: ['admin'], iss: 'tally-local', aud: 'tally', exp: now + 600 })}.`;
  tokens.garbage = 'not-a-jwt';
  tokens['a token without exp'] = await signed({ iat: now });
  tokens['a 31-day token'] = await signed({ iat: now, exp: now + 31 * 86_400 });
  tokens.service = await stack.issuer.mint({
    scope: 'track',
    role: 'admin',
    projects: ['default'],
  });
  tokens.viewer = await stack.issuer.mint({ role: 'viewer' });
  tokens.otherProject = await stack.issuer.mint({ projects: ['someone-else'] });
});
afterAll(() => stack?.stop());

const adminRoutes = ROUTES.filter((r) => r.auth === 'admin');
const url = (path: string) =>
  `${stack.baseUrl}${path.replace(/\{format\}/, 'json').replace(/\{[^}]+\}/g, 'x')}`;
const call = (route: (typeof ROUTES)[number], headers: Record<string, string>, query = '') =>
  request(`${url(route.path)}${query}`, {
    method: route.method,
    headers,
    ...(route.method === 'GET' ? {} : { body: {} }),
  });

describe.each(adminRoutes.map((r) => [routeKey(r), r] as const))('%s', (_, route) => {
  it('refuses a request without a token (401)', async () => {
    const res = await call(route, {});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      code: 'unauthorized',
      message: 'Missing or invalid credentials',
      error: { code: 'unauthorized', message: 'Missing or invalid credentials' },
    });
  });

  it.each([
    'a bad signature',
    'an expired token',
    'alg none',
    'garbage',
    'a token without exp',
    'a 31-day token',
  ])('refuses %s with the same 401', async (kind) => {
    const res = await call(route, bearer(tokens[kind] as string));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      code: 'unauthorized',
      message: 'Missing or invalid credentials',
      error: { code: 'unauthorized', message: 'Missing or invalid credentials' },
    });
  });

  it('refuses a valid token without the admin role (403)', async () => {
    const res = await call(route, bearer(tokens.viewer as string));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('refuses a service token (scope track), even one claiming the admin role (403)', async () => {
    const res = await call(route, bearer(tokens.service as string), '?project=default');
    expect(res.status).toBe(403);
    const message = 'A service token (scope "track") may send events, not call the admin API';
    expect(res.body).toEqual({ code: 'forbidden', message, error: { code: 'forbidden', message } });
  });

  it('refuses a project outside the token’s list (403)', async () => {
    const res = await call(route, bearer(tokens.otherProject as string), '?project=default');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: { code: 'forbidden', message: 'This token does not cover project default' },
    });
  });
});

describe('public and tracking routes', () => {
  it('serves the public routes without a token', async () => {
    for (const route of ROUTES.filter((r) => r.auth === 'public')) {
      expect([routeKey(route), (await call(route, {})).status]).toEqual([routeKey(route), 200]);
    }
  });

  it('refuses every tracking route without a write key (401)', async () => {
    for (const route of ROUTES.filter((r) => r.auth === 'writeKey')) {
      expect([routeKey(route), (await call(route, {})).status]).toEqual([routeKey(route), 401]);
    }
  });
});
