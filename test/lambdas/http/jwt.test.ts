import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtConfig } from '../../../lambdas/contract/config/jwt.ts';
import { createVerifier, requireRole, resolveProject } from '../../../lambdas/http/jwt.ts';
import { ForbiddenError, UnauthorizedError } from '../../../lambdas/model/errors.ts';
import { es256Key, type TestSigningKey } from '../../helpers/jwt.ts';

const config = jwtConfig({
  JWT_JWKS_URL: 'https://issuer.test/.well-known/jwks.json',
  JWT_ISSUER: 'https://issuer.test',
  JWT_AUDIENCE: 'tally',
});
let key: TestSigningKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  key = await es256Key('k1');
  otherKey = (await es256Key('k1')).privateKey;
});

const verifier = () => createVerifier(config, key.jwks);

function token(
  claims: Record<string, unknown> = { roles: ['admin'] },
  opts: { key?: CryptoKey; exp?: string; iss?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(opts.iss ?? 'https://issuer.test')
    .setAudience('tally')
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.key ?? key.privateKey);
}

async function rejection(authorization: string | undefined) {
  return verifier()(authorization).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('admin JWT verification', () => {
  it('accepts a valid admin token and reads roles and projects', async () => {
    const principal = await verifier()(
      `Bearer ${await token({ roles: ['admin'], projects: ['a', 'b'] })}`,
    );
    expect(principal).toEqual({
      subject: 'alice',
      roles: ['admin'],
      scopes: [],
      projects: ['a', 'b'],
    });
  });

  it.each([
    ['no header', async () => undefined],
    ['a non-bearer header', async () => 'Basic YWRtaW46'],
    ['a bad signature', async () => `Bearer ${await token(undefined, { key: otherKey })}`],
    ['an expired token', async () => `Bearer ${await token(undefined, { exp: '-1m' })}`],
    [
      'another issuer',
      async () => `Bearer ${await token(undefined, { iss: 'https://evil.test' })}`,
    ],
    [
      'alg none',
      async () => {
        const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ roles: ['admin'], iss: 'https://issuer.test', aud: 'tally', exp: now + 60 })}.`;
      },
    ],
    ['garbage', async () => 'Bearer not.a.jwt'],
  ])('refuses %s with the one generic 401', async (_, header) => {
    const error = await rejection(await header());
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).message).toBe('Missing or invalid credentials');
  });

  it('refuses a token without exp, and one that lives longer than the maximum lifetime', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (claims: Record<string, unknown>) =>
      new SignJWT({ roles: ['admin'], ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://issuer.test')
        .setAudience('tally')
        .sign(key.privateKey);
    const day = 86_400;
    for (const claims of [
      {},
      { iat: now },
      { iat: now, exp: now + day + 1 },
      // No iat: the lifetime counts from now.
      { exp: now + day + 60 },
      // An iat in the future does not shorten it either.
      { iat: now + day, exp: now + day + 60 },
    ]) {
      const error = await rejection(`Bearer ${await signed(claims)}`);
      expect(error, JSON.stringify(claims)).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).message).toBe('Missing or invalid credentials');
    }
    const ok = await verifier()(`Bearer ${await signed({ iat: now, exp: now + day })}`);
    expect(ok.roles).toEqual(['admin']);
    const longer = createVerifier({ ...config, maxLifetimeSeconds: 30 * day }, key.jwks);
    await expect(
      longer(`Bearer ${await signed({ iat: now, exp: now + 30 * day })}`),
    ).resolves.toMatchObject({ roles: ['admin'] });
  });

  it('refuses a service token (scope track) for an admin route, even with the admin role', () => {
    const service = { subject: 's', roles: ['admin'], scopes: ['track'], projects: ['p'] };
    expect(() => requireRole(service, 'admin')).toThrow(
      new ForbiddenError('A service token (scope "track") may send events, not call the admin API'),
    );
    expect(() => requireRole({ ...service, scopes: [] }, 'admin')).not.toThrow();
  });

  it('accepts HS256 tokens when configured with a shared secret, and only HS256', async () => {
    const secret = 's'.repeat(40);
    const hs = createVerifier(jwtConfig({ JWT_HS256_SECRET: secret }));
    const good = await new SignJWT({ roles: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    expect((await hs(`Bearer ${good}`)).roles).toEqual(['admin']);
    await expect(hs(`Bearer ${await token()}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('project scoping', () => {
  const p = (projects?: string[]) => ({ subject: 's', roles: ['admin'], scopes: [], projects });
  it('defaults to the token’s only project, else "default"', () => {
    expect(resolveProject(p(['acme']), undefined)).toBe('acme');
    expect(resolveProject(p(), undefined)).toBe('default');
    // Several projects and none chosen: "default" is not among them, so the caller must choose.
    expect(() => resolveProject(p(['a', 'b']), undefined)).toThrow(/choose one with \?project=/);
  });
  it('refuses a project outside the token’s list', () => {
    expect(() => resolveProject(p(['a']), 'b')).toThrow(ForbiddenError);
    expect(resolveProject(p(), 'anything')).toBe('anything');
  });
});
