/**
 * The PKCE flow against the local issuer's authorization and token endpoints, driven by
 * oauth4webapi (the dashboard's own OIDC client), over real HTTP: the code flow with S256, the ID
 * token the API then accepts, refresh-token rotation, and every refusal a stand-in provider must
 * make (wrong verifier, reused code, no PKCE, a foreign redirect, an unknown client).
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let as: oauth.AuthorizationServer;
let redirectUri: string;
const client: oauth.Client = { client_id: 'tally' };
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  stack = await startTestStack('oidc');
  redirectUri = `${stack.baseUrl}/`;
  const config = (await request(`${stack.baseUrl}/config.json`)).body as {
    auth: { issuer: string; authorizationEndpoint: string; tokenEndpoint: string };
  };
  as = {
    issuer: config.auth.issuer,
    authorization_endpoint: new URL(config.auth.authorizationEndpoint, stack.baseUrl).href,
    token_endpoint: new URL(config.auth.tokenEndpoint, stack.baseUrl).href,
    id_token_signing_alg_values_supported: ['ES256'],
  };
});

afterAll(async () => {
  await stack?.stop();
});

/** GET /authorize as a browser would, without following the redirect. */
async function authorize(params: Record<string, string>) {
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'tally',
    redirect_uri: redirectUri,
    ...params,
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  return {
    res,
    location: res.headers.get('location')
      ? new URL(res.headers.get('location') as string)
      : undefined,
  };
}

async function codeFor(verifier: string, state: string, nonce: string) {
  const { res, location } = await authorize({
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    scope: 'openid',
  });
  expect(res.status).toBe(302);
  return oauth.validateAuthResponse(as, client, location as URL, state);
}

describe('local issuer: authorization code with PKCE', () => {
  it('trades a code and its verifier for an ID token the admin API accepts, then rotates the refresh token', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const params = await codeFor(verifier, state, nonce);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    expect(claims).toMatchObject({ iss: 'tally-local', aud: 'tally', nonce, sub: 'local-admin' });
    expect(tokens.expires_in).toBe(3600);
    const summary = await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(tokens.id_token as string),
    });
    expect(summary.status).toBe(200);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        tokens.refresh_token as string,
        insecure,
      ),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.id_token).toBeDefined();
    // The old refresh token was used up.
    const again = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token as string,
      insecure,
    );
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a verifier that does not match the challenge, and a code used twice', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const params = await codeFor(verifier, 's1', 'n1');
    const wrong = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('code_verifier'),
    });
    // The failed attempt used the code up: the right verifier is too late now.
    const late = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      verifier,
      insecure,
    );
    expect(late.status).toBe(400);
  });

  it('refuses an authorization request without S256 PKCE, with a foreign redirect, or for another client', async () => {
    const plain = await authorize({
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'plain',
      state: 's',
    });
    expect(plain.res.status).toBe(302);
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
    expect(plain.location?.searchParams.get('state')).toBe('s');
    expect(plain.location?.searchParams.has('code')).toBe(false);

    const none = await authorize({ state: 's' });
    expect(none.location?.searchParams.get('error')).toBe('invalid_request');

    const challenge = { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
    const foreign = await authorize({ ...challenge, redirect_uri: 'https://evil.example/' });
    expect(foreign.res.status).toBe(400);
    expect(foreign.location).toBeUndefined();
    const other = await authorize({ ...challenge, client_id: 'someone-else' });
    expect(other.res.status).toBe(400);
  });
});
