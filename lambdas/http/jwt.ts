/**
 * JWT verification with jose, for admins and for services that track with a token: a JWKS URL
 * (Cognito in AWS, the local issuer in dev) or an HS256 secret shared with an existing auth
 * service. Every verification failure is the same generic 401; the reason is kept in `cause`.
 *
 * jose is imported on the first token, not at module init: most tracking requests carry a write
 * key, and the bundler turns a dynamic import into a lazily run module, so a cold start of track
 * does not evaluate it (docs/performance.md "Cold start").
 */
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../contract/config/jwt.ts';
import { ForbiddenError, UnauthorizedError } from '../model/errors.ts';

export interface Principal {
  subject: string | undefined;
  roles: string[];
  /** OAuth scopes (`scope` or `scp`), e.g. `track` for a service that sends events. */
  scopes: string[];
  /** Projects the token is limited to; undefined means every project. */
  projects: string[] | undefined;
}

/** True for a compact JWS (three base64url parts), as opposed to an opaque key. */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token);

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

export type Verifier = (authorization: string | undefined) => Promise<Principal>;

/**
 * Builds the verifier once per cold start. `keys` replaces the remote JWKS in tests. A token must
 * carry `exp`, and live at most `maxLifetimeSeconds` (from `iat`, or from now if that is earlier):
 * a leaked token is useful for a bounded time.
 */
export function createVerifier(
  config: JwtConfig,
  keys?: JWTVerifyGetKey,
  now: () => number = Date.now,
): Verifier {
  const secret = config.secret ? new TextEncoder().encode(config.secret) : undefined;
  // One remote key set per verifier (jose caches the fetched keys in it), made on first use.
  let jwks: Promise<JWTVerifyGetKey | undefined> | undefined;
  const keySet = () => {
    jwks ??= keys
      ? Promise.resolve(keys)
      : config.jwksUrl
        ? import('jose').then(({ createRemoteJWKSet }) =>
            createRemoteJWKSet(new URL(config.jwksUrl as string)),
          )
        : Promise.resolve(undefined);
    return jwks;
  };
  const options = {
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
    algorithms: secret ? ['HS256'] : ASYMMETRIC,
    requiredClaims: ['exp'],
  };

  return async (authorization) => {
    const token = bearer(authorization);
    if (!token) throw new UnauthorizedError('no bearer token');
    let payload: JWTPayload;
    const checks = { ...options, currentDate: new Date(now()) };
    try {
      const { jwtVerify } = await import('jose');
      payload = secret
        ? (await jwtVerify(token, secret, checks)).payload
        : (await jwtVerify(token, (await keySet()) as JWTVerifyGetKey, checks)).payload;
    } catch (error) {
      throw new UnauthorizedError(error);
    }
    const nowSeconds = Math.floor(now() / 1000);
    const issued = typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds;
    const lifetime = (payload.exp as number) - issued;
    if (lifetime > config.maxLifetimeSeconds) {
      throw new UnauthorizedError(
        `token lifetime ${lifetime} s exceeds the maximum of ${config.maxLifetimeSeconds} s`,
      );
    }
    return {
      subject: payload.sub,
      roles: listClaim(payload[config.roleClaim]) ?? [],
      scopes: listClaim(payload.scope ?? payload.scp) ?? [],
      projects: listClaim(payload[config.projectsClaim]),
    };
  };
}

export function bearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A claim holding one or several strings: an array, or a comma- or space-separated string. */
function listClaim(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return undefined;
}

/** The scope of a service token: it may send events (the tracking API) and nothing else. */
export const TRACK_SCOPE = 'track';

/**
 * Refuses a principal with none of `roles` (`The admin role is required`, `The a or b role…`),
 * and any service token (scope `track`), whatever roles it claims: a credential a service holds to
 * send events must never read them.
 */
export function requireRole(principal: Principal, ...roles: [string, ...string[]]): void {
  if (principal.scopes.includes(TRACK_SCOPE)) {
    throw new ForbiddenError(
      `A service token (scope "${TRACK_SCOPE}") may send events, not call the admin API`,
    );
  }
  if (!roles.some((role) => principal.roles.includes(role))) {
    throw new ForbiddenError(`The ${roles.join(' or ')} role is required`);
  }
}

/**
 * The project a request is about: `requested`, else the token's only project, else `fallback`.
 * A project outside the token's list is refused, and so is no project at all.
 */
export function resolveProject(
  principal: Principal,
  requested: string | undefined,
  fallback: string | undefined = 'default',
): string {
  const only = principal.projects?.length === 1 ? principal.projects[0] : undefined;
  const projectId = requested || only || fallback;
  if (!projectId || (principal.projects && !principal.projects.includes(projectId))) {
    throw new ForbiddenError(
      requested
        ? `This token does not cover project ${projectId}`
        : `This token covers projects ${(principal.projects ?? []).join(', ')}; choose one with ?project=`,
    );
  }
  return projectId;
}
