/**
 * The local token issuer: an ES256 key kept in the data directory, its JWKS served by the local
 * server, and tokens minted for `npm start` and `npm run token`. Local twin only; in AWS the
 * issuer is Cognito or the team's own auth service.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** The issuer's key, in the data directory. */
export const ISSUER_FILE = 'local-issuer.json';
export const LOCAL_ISSUER = 'tally-local';
export const LOCAL_AUDIENCE = 'tally';
const ALG = 'ES256';
/**
 * The lifetime of the admin token `npm start` prints, and the longest one the local twin accepts
 * (it sets JWT_MAX_TOKEN_LIFETIME_SECONDS to this; deployments default to a day).
 */
export const LOCAL_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

export interface TokenRequest {
  /** @default 'admin', except for a service token (scope `track`), which has no role */
  role?: string;
  /** OAuth scopes, space-separated (`track` makes a service token: it sends events, nothing more). */
  scope?: string;
  projects?: string[];
  /** `1h`, `30d`, … (jose's time-span syntax), or an absolute time in epoch seconds. @default '30d' */
  expiresIn?: string | number;
  subject?: string;
  /** More claims (an OIDC `nonce`, `email`). */
  claims?: Record<string, unknown>;
}

export interface LocalIssuer {
  jwks: { keys: JWK[] };
  mint(request?: TokenRequest): Promise<string>;
}

/** Loads the issuer key from `file`, creating it on first use. */
export async function loadIssuer(file: string): Promise<LocalIssuer> {
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = {
      ...(await exportJWK(privateKey)),
      kid: `local-${Date.now().toString(36)}`,
      alg: ALG,
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, ALG);
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig' }] },
    mint: ({
      role,
      scope,
      projects,
      expiresIn = LOCAL_TOKEN_LIFETIME_SECONDS + Math.floor(Date.now() / 1000),
      subject = 'local-admin',
      claims: extra = {},
    } = {}) => {
      const service = scope?.split(' ').includes('track') ?? false;
      const claims: Record<string, unknown> = { ...extra };
      if (role ?? !service) claims.roles = [role ?? 'admin'];
      if (scope) claims.scope = scope;
      if (projects?.length) claims.projects = projects;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid as string, typ: 'JWT' })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(key);
    },
  };
}
