/**
 * The local issuer's sign-in, speaking the protocol Cognito's managed login speaks: OAuth 2.0
 * authorization code with PKCE (S256 only) and refresh tokens, for the dashboard's one-click
 * local sign-in. `/local/oauth2/authorize` approves at once (there is no password on a laptop)
 * and sends the browser back with a single-use code; `/local/oauth2/token` trades it, with the
 * PKCE verifier, for an ID token signed by the local issuer. Local twin only, on loopback.
 * Hand-written because it is ~100 lines and a full provider (oidc-provider) would be a large
 * dependency for the twin alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalIssuer } from './issuer.ts';

export const LOCAL_CLIENT_ID = LOCAL_AUDIENCE;
export const AUTHORIZE_PATH = '/local/oauth2/authorize';
export const TOKEN_PATH = '/local/oauth2/token';
const CODE_TTL_MS = 60_000;
const REFRESH_TTL_MS = 30 * 86_400_000;
/** The ID token's lifetime: short, so the dashboard's silent refresh is exercised every day. */
export const ID_TOKEN_TTL_S = 3600;

interface Grant {
  role: string;
  subject: string;
  expires: number;
}
interface Code extends Grant {
  challenge: string;
  redirectUri: string;
  nonce: string | undefined;
}

/** The `config.json` beside the dashboard under `npm start`: sign in through this issuer. */
export function localAuthConfig() {
  return {
    type: 'oidc',
    issuer: LOCAL_ISSUER,
    clientId: LOCAL_CLIENT_ID,
    authorizationEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    idTokenSigningAlg: 'ES256',
    scope: 'openid',
    label: 'Sign in (local issuer)',
  };
}

const b64url = (b: Buffer) => b.toString('base64url');
const PKCE = /^[A-Za-z0-9._~-]{43,128}$/;

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 16_384) break;
  }
  return new URLSearchParams(text);
}

/** Handles the two endpoints; false for any other path. */
export function localOidc(issuer: LocalIssuer, now: () => number = Date.now) {
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Grant>();

  async function tokens(grant: Grant, nonce?: string) {
    const refresh = b64url(randomBytes(32));
    refreshTokens.set(refresh, { ...grant, expires: now() + REFRESH_TTL_MS });
    const mint = (claims: Record<string, unknown>) =>
      issuer.mint({
        role: grant.role,
        subject: grant.subject,
        expiresIn: Math.floor(now() / 1000) + ID_TOKEN_TTL_S,
        claims,
      });
    return {
      token_type: 'Bearer',
      id_token: await mint({ ...(nonce ? { nonce } : {}), email: `${grant.subject}@localhost` }),
      access_token: await mint({}),
      refresh_token: refresh,
      expires_in: ID_TOKEN_TTL_S,
    };
  }

  function authorize(req: IncomingMessage, res: ServerResponse, url: URL) {
    const q = url.searchParams;
    const origin = `http://${req.headers.host}`;
    const redirect = q.get('redirect_uri') ?? '';
    let target: URL;
    try {
      target = new URL(redirect);
    } catch {
      return reply(res, 400, {
        error: 'invalid_request',
        error_description: 'redirect_uri is not a URL',
      });
    }
    // Never redirect off this server: the code would go to whoever asked for it.
    if (target.origin !== origin || q.get('client_id') !== LOCAL_CLIENT_ID) {
      return reply(res, 400, {
        error: 'invalid_request',
        error_description: `client_id must be ${LOCAL_CLIENT_ID} and redirect_uri under ${origin}`,
      });
    }
    const fail = (error: string, description: string) => {
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      const state = q.get('state');
      if (state) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.href }).end();
    };
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'only code');
    if (q.get('code_challenge_method') !== 'S256' || !PKCE.test(q.get('code_challenge') ?? ''))
      return fail('invalid_request', 'PKCE is required: code_challenge with method S256');
    const code = b64url(randomBytes(32));
    codes.set(code, {
      challenge: q.get('code_challenge') as string,
      redirectUri: redirect,
      nonce: q.get('nonce') ?? undefined,
      // Local only: `role=viewer` signs in a non-admin, to see the dashboard's "no access" page.
      role: q.get('role') ?? 'admin',
      subject: q.get('login_hint') ?? 'local-admin',
      expires: now() + CODE_TTL_MS,
    });
    target.searchParams.set('code', code);
    const state = q.get('state');
    if (state) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.href, 'cache-control': 'no-store' }).end();
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    const body = await form(req);
    const invalid = (description: string) =>
      reply(res, 400, { error: 'invalid_grant', error_description: description });
    if (body.get('client_id') !== LOCAL_CLIENT_ID)
      return reply(res, 401, { error: 'invalid_client', error_description: 'unknown client_id' });
    const type = body.get('grant_type');
    if (type === 'authorization_code') {
      const code = codes.get(body.get('code') ?? '');
      codes.delete(body.get('code') ?? '');
      if (!code || code.expires < now()) return invalid('unknown, used or expired code');
      if (body.get('redirect_uri') !== code.redirectUri) return invalid('redirect_uri differs');
      const verifier = body.get('code_verifier') ?? '';
      const challenge = b64url(createHash('sha256').update(verifier).digest());
      if (!PKCE.test(verifier) || challenge !== code.challenge)
        return invalid('code_verifier does not match the code_challenge');
      return reply(res, 200, await tokens(code, code.nonce));
    }
    if (type === 'refresh_token') {
      const presented = body.get('refresh_token') ?? '';
      const grant = refreshTokens.get(presented);
      refreshTokens.delete(presented);
      if (!grant || grant.expires < now()) return invalid('unknown or expired refresh token');
      return reply(res, 200, await tokens(grant));
    }
    return reply(res, 400, { error: 'unsupported_grant_type', error_description: String(type) });
  }

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === AUTHORIZE_PATH && req.method === 'GET') authorize(req, res, url);
    else if (url.pathname === TOKEN_PATH && req.method === 'POST') await token(req, res);
    else return false;
    return true;
  };
}
