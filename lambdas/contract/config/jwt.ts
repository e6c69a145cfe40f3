/**
 * How tokens are verified: admin tokens (the admin function) and service tokens (the track
 * function, when configured). The CDK auth construct sets these from the same definitions.
 */
import * as v from 'valibot';
import { ConfigError, type Env, integer, readAll, text, type Values } from './setting.ts';

/** A shorter HS256 secret can be guessed. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** A day: Cognito's longest ID-token lifetime, and the default longest one Tally accepts. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

export const JWT = {
  /** Exactly one of `jwksUrl` and `secret` is set. */
  jwksUrl: text('JWT_JWKS_URL', {
    rule: v.pipe(v.string(), v.regex(/^https?:\/\//)),
    expected: 'an http(s) URL',
  }),
  secret: text('JWT_HS256_SECRET', {
    secret: true,
    rule: v.pipe(v.string(), v.minLength(MIN_JWT_SECRET_LENGTH)),
    expected: `at least ${MIN_JWT_SECRET_LENGTH} characters`,
  }),
  /** Expected `iss`; unchecked when unset. */
  issuer: text('JWT_ISSUER'),
  /** Expected `aud`; unchecked when unset. */
  audience: text('JWT_AUDIENCE'),
  /** The claim holding the caller's roles. */
  roleClaim: text('JWT_ROLE_CLAIM', { fallback: 'roles' }),
  /** The role the admin API requires. */
  adminRole: text('JWT_ADMIN_ROLE', { fallback: 'admin' }),
  /** The claim listing the projects a token is limited to. */
  projectsClaim: text('JWT_PROJECTS_CLAIM', { fallback: 'projects' }),
  /**
   * The longest lifetime a token may have, in seconds: `exp` minus `iat` (or minus now, when
   * `iat` is absent or later). A token without `exp` is always refused.
   */
  maxLifetimeSeconds: integer(
    'JWT_MAX_TOKEN_LIFETIME_SECONDS',
    DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
    60,
    365 * 86_400,
  ),
} as const;

export type JwtConfig = Values<typeof JWT>;

/** True when `env` sets up token verification at all (optional for the track function). */
export const hasJwt = (env: Env) => Boolean(env[JWT.jwksUrl.env] || env[JWT.secret.env]);

export function jwtConfig(env: Env): JwtConfig {
  if (Boolean(env[JWT.jwksUrl.env]) === Boolean(env[JWT.secret.env])) {
    throw new ConfigError(`Set exactly one of ${JWT.jwksUrl.env} and ${JWT.secret.env}`);
  }
  return readAll(JWT, env);
}
