/**
 * Signing in: OpenID Connect authorization code with PKCE (oauth4webapi) against the issuer that
 * `config.json` names — Cognito managed login in AWS, the local issuer under `npm start`, or an
 * external issuer found by OIDC discovery — else a pasted token. The session (ID token, refresh
 * token, expiry) lives in sessionStorage, never localStorage: it ends with the tab. It is
 * refreshed silently a minute before expiry; sign-out clears it and ends the issuer's session.
 */
import * as oauth from 'oauth4webapi';

/** `config.json`'s `auth`, written beside the dashboard by the CDK stack or by `npm start`. */
export interface AuthConfig {
  /** `oidc`: sign in through the issuer; `token`: paste a JWT. */
  type: 'oidc' | 'token';
  /** The `iss` of its ID tokens. */
  issuer?: string;
  clientId?: string;
  /** Endpoints (absolute, or relative to the dashboard); without them, OIDC discovery on `issuer`. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  endSessionEndpoint?: string;
  /** @default 'RS256' (Cognito's) */
  idTokenSigningAlg?: string;
  /** @default 'openid email profile' */
  scope?: string;
  /** Words on the sign-in button. */
  label?: string;
}

export interface Session {
  idToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
}

const SESSION_KEY = 'tally.session';
const PENDING_KEY = 'tally.signin';
const REFRESH_EARLY_MS = 60_000;

let config: AuthConfig = { type: 'token' };
let server: oauth.AuthorizationServer | undefined;
let refreshTimer: number | undefined;

const client = (): oauth.Client => ({ client_id: config.clientId ?? '' });
const redirectUri = () => new URL(location.pathname, location.origin).href;
const insecure = (url: string) => new URL(url, location.href).protocol === 'http:';

/** Reads `config.json` (its absence means a pasted token). */
export async function loadConfig(): Promise<AuthConfig> {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) config = { type: 'token', ...((await res.json()) as { auth?: AuthConfig }).auth };
  } catch {
    // No config: paste a token.
  }
  return config;
}

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  if (server) return server;
  const abs = (u: string | undefined) => (u ? new URL(u, location.href).href : undefined);
  if (config.authorizationEndpoint && config.tokenEndpoint) {
    server = {
      issuer: config.issuer ?? '',
      authorization_endpoint: abs(config.authorizationEndpoint),
      token_endpoint: abs(config.tokenEndpoint),
      end_session_endpoint: abs(config.endSessionEndpoint),
      id_token_signing_alg_values_supported: [config.idTokenSigningAlg ?? 'RS256'],
    } as oauth.AuthorizationServer;
  } else {
    const issuer = new URL(config.issuer ?? '');
    server = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer));
  }
  return server;
}

const options = () =>
  insecure(server?.token_endpoint ?? 'https:') ? { [oauth.allowInsecureRequests]: true } : {};

/** The current session, if any and not expired. */
export function session(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && (s.expiresAt > Date.now() || s.refreshToken) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** A JWT's claims, unverified (the API verifies; this only reads `exp` and `sub` for display). */
export function claimsOf(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function store(s: Session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  clearTimeout(refreshTimer);
  if (s.refreshToken) {
    const wait = Math.max(0, s.expiresAt - REFRESH_EARLY_MS - Date.now());
    refreshTimer = window.setTimeout(() => void refresh(), wait);
  }
}

/** Keeps a pasted (or `#token=`) JWT as the session, until its own expiry. */
export function useToken(token: string): void {
  const exp = Number(claimsOf(token).exp);
  store({ idToken: token, expiresAt: Number.isFinite(exp) ? exp * 1000 : Date.now() + 3_600_000 });
}

/** The bearer token for the API, refreshed first if it is about to expire. */
export async function token(): Promise<string | undefined> {
  const s = session();
  if (!s) return undefined;
  if (s.expiresAt - Date.now() < REFRESH_EARLY_MS / 2 && s.refreshToken) return refresh();
  return s.expiresAt > Date.now() ? s.idToken : undefined;
}

/** Uses the refresh token; on failure the session ends (the next call asks to sign in). */
export async function refresh(): Promise<string | undefined> {
  const s = session();
  if (!s?.refreshToken || config.type !== 'oidc') return undefined;
  try {
    const as = await authorizationServer();
    const res = await oauth.refreshTokenGrantRequest(
      as,
      client(),
      oauth.None(),
      s.refreshToken,
      options(),
    );
    const t = await oauth.processRefreshTokenResponse(as, client(), res);
    const idToken = t.id_token ?? s.idToken;
    store({
      idToken,
      refreshToken: t.refresh_token ?? s.refreshToken,
      expiresAt: Date.now() + (t.expires_in ?? 3600) * 1000,
    });
    return idToken;
  } catch {
    endSession();
    return undefined;
  }
}

/** Forgets the session in this tab. */
export function endSession(): void {
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(SESSION_KEY);
}

/** Starts the authorization-code flow; `returnTo` (default: this page) is restored after it. */
export async function signIn(returnTo = location.href): Promise<void> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, nonce, returnTo }));
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client().client_id,
    redirect_uri: redirectUri(),
    scope: config.scope ?? 'openid email profile',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/**
 * Finishes sign-in when the issuer sent the browser back with `?code=&state=`: exchanges the code
 * with the PKCE verifier, keeps the tokens, and puts back the page the admin was on. Returns an
 * error message when the exchange failed, undefined otherwise.
 */
export async function completeSignIn(): Promise<string | undefined> {
  const here = new URL(location.href);
  if (!here.searchParams.has('state') || config.type !== 'oidc') return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    nonce: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', pending?.returnTo ?? location.pathname);
  if (!pending)
    return 'That sign-in link was already used or came from another tab; sign in again.';
  try {
    const as = await authorizationServer();
    const params = oauth.validateAuthResponse(as, client(), here, pending.state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client(),
      oauth.None(),
      params,
      redirectUri(),
      pending.verifier,
      options(),
    );
    const t = await oauth.processAuthorizationCodeResponse(as, client(), res, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    store({
      idToken: t.id_token as string,
      ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}),
      expiresAt: Date.now() + (t.expires_in ?? 3600) * 1000,
    });
    return undefined;
  } catch (error) {
    return `Sign-in failed: ${(error as Error).message}`;
  }
}

/** Ends the session here and, where the issuer has one, at the issuer too. */
export async function signOut(): Promise<void> {
  const idToken = session()?.idToken;
  endSession();
  if (config.type !== 'oidc') return;
  const as = await authorizationServer().catch(() => undefined);
  if (!as?.end_session_endpoint) return;
  const url = new URL(as.end_session_endpoint);
  // Cognito's /logout reads client_id and logout_uri; OIDC RP-initiated logout the other two.
  url.search = new URLSearchParams({
    client_id: client().client_id,
    logout_uri: redirectUri(),
    post_logout_redirect_uri: redirectUri(),
    ...(idToken ? { id_token_hint: idToken } : {}),
  }).toString();
  location.assign(url.href);
}

/** Resumes the refresh timer of a session kept from before a reload. */
export function resume(): void {
  const s = session();
  if (s) store(s);
}
