import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtConfig } from '../../../lambdas/contract/config/jwt.ts';
import { createVerifier } from '../../../lambdas/http/jwt.ts';
import { ForbiddenError, UnauthorizedError } from '../../../lambdas/model/errors.ts';
import { keyIdOf } from '../../../lambdas/store/write-keys.ts';
import { authenticate, credentialFrom, type TrackAuth } from '../../../lambdas/track/auth.ts';
import { es256Key } from '../../helpers/jwt.ts';

let key: CryptoKey;
let auth: TrackAuth;

beforeAll(async () => {
  const signing = await es256Key('k');
  key = signing.privateKey;
  auth = {
    resolveWriteKey: async (s) => (s === 'tk_live' ? 'shop' : undefined),
    verifyServiceToken: createVerifier(
      jwtConfig({ JWT_JWKS_URL: 'https://issuer.test/jwks', JWT_ISSUER: 'https://issuer.test' }),
      signing.jwks,
    ),
  };
});

const serviceToken = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .setIssuer('https://issuer.test')
    .setExpirationTime('5m')
    .sign(key);

describe('tracking credentials', () => {
  it('reads a write key from Basic (username) or Bearer, and a JWT from Bearer', () => {
    expect(credentialFrom(`Basic ${Buffer.from('tk_live:').toString('base64')}`)).toEqual({
      kind: 'writeKey',
      secret: 'tk_live',
    });
    expect(credentialFrom('Bearer tk_live')).toEqual({ kind: 'writeKey', secret: 'tk_live' });
    expect(credentialFrom('Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toMatchObject({
      kind: 'jwt',
    });
    expect(credentialFrom(undefined)).toBeUndefined();
  });

  it('maps a write key to its project and refuses unknown ones', async () => {
    expect(await authenticate(auth, { authorization: 'Bearer tk_live' })).toEqual({
      projectId: 'shop',
      keyId: keyIdOf('tk_live'),
    });
    await expect(authenticate(auth, { authorization: 'Bearer tk_nope' })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(
      await authenticate(auth, { authorization: undefined, bodyWriteKey: 'tk_live' }),
    ).toMatchObject({ projectId: 'shop' });
  });

  it('accepts a service JWT with the track scope for its one project', async () => {
    const token = await serviceToken({ scope: 'track', projects: ['shop'] });
    expect(await authenticate(auth, { authorization: `Bearer ${token}` })).toMatchObject({
      projectId: 'shop',
      keyId: expect.stringMatching(/^svc-[0-9a-f]{12}$/),
    });
  });

  it('lets a multi-project service token choose with ?project=, within its list only', async () => {
    const token = await serviceToken({ scope: 'read track', projects: ['a', 'b'] });
    expect(
      await authenticate(auth, { authorization: `Bearer ${token}`, project: 'b' }),
    ).toMatchObject({ projectId: 'b' });
    await expect(authenticate(auth, { authorization: `Bearer ${token}` })).rejects.toThrow(
      /choose one with \?project=/,
    );
    await expect(
      authenticate(auth, { authorization: `Bearer ${token}`, project: 'c' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('refuses a valid token without the track scope (403) and a forged one (401)', async () => {
    await expect(
      authenticate(auth, {
        authorization: `Bearer ${await serviceToken({ scope: 'read', projects: ['shop'] })}`,
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const other = await es256Key('k');
    const forged = await new SignJWT({ scope: 'track', projects: ['shop'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer('https://issuer.test')
      .setExpirationTime('5m')
      .sign(other.privateKey);
    await expect(authenticate(auth, { authorization: `Bearer ${forged}` })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('refuses service tokens when none are configured', async () => {
    const token = await serviceToken({ scope: 'track', projects: ['shop'] });
    await expect(
      authenticate({ resolveWriteKey: auth.resolveWriteKey }, { authorization: `Bearer ${token}` }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
