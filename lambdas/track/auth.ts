/**
 * Who is calling a tracking endpoint: a project write key (HTTP Basic username as Segment sends
 * it, a Bearer token, or `writeKey` in the body as analytics.js does), or a service JWT with the
 * `track` scope naming its project.
 */

import { createHash } from 'node:crypto';
import { looksLikeJwt, resolveProject, TRACK_SCOPE, type Verifier } from '../http/jwt.ts';
import { ForbiddenError, UnauthorizedError } from '../model/errors.ts';
import { keyIdOf, type WriteKeyGrant } from '../store/write-keys.ts';

export interface TrackAuth {
  /** The key's project (a string) or its grant with the key's limits; undefined when unknown. */
  resolveWriteKey: (secret: string) => Promise<string | WriteKeyGrant | undefined>;
  /** Verifies service tokens; absent when the deployment accepts write keys only. */
  verifyServiceToken?: Verifier | undefined;
}

/** Who called: the project, and the key its rate limit is counted under. */
export interface Caller {
  projectId: string;
  /** A write key's id, or `svc-…` (a hash of the subject) for a service token. */
  keyId: string;
  /** A browser key: page and track calls only. */
  browser?: boolean;
  /** The origins a write key is limited to, if any. */
  origins?: readonly string[] | undefined;
}

type Credential = { kind: 'writeKey'; secret: string } | { kind: 'jwt'; token: string };

/** The credential in the Authorization header, if any. */
export function credentialFrom(header: string | undefined): Credential | undefined {
  if (!header) return undefined;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  switch (scheme.toLowerCase()) {
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      return user ? { kind: 'writeKey', secret: user } : undefined;
    }
    case 'bearer':
      if (!value) return undefined;
      return looksLikeJwt(value)
        ? { kind: 'jwt', token: value }
        : { kind: 'writeKey', secret: value };
    default:
      return undefined;
  }
}

/**
 * Resolves the calling project or throws: the one generic 401 for anything unusable, 403 for a
 * valid service token without the track scope or without the requested project.
 */
export async function authenticate(
  auth: TrackAuth,
  input: {
    authorization: string | undefined;
    bodyWriteKey?: string | undefined;
    project?: string | undefined;
  },
): Promise<Caller> {
  const credential =
    credentialFrom(input.authorization) ??
    (input.bodyWriteKey ? { kind: 'writeKey' as const, secret: input.bodyWriteKey } : undefined);
  if (!credential) throw new UnauthorizedError('no write key or token');

  if (credential.kind === 'writeKey') {
    const resolved = await auth.resolveWriteKey(credential.secret);
    if (!resolved) throw new UnauthorizedError('unknown or revoked write key');
    const grant = typeof resolved === 'string' ? { projectId: resolved } : resolved;
    return {
      projectId: grant.projectId,
      keyId: keyIdOf(credential.secret),
      ...(grant.kind === 'browser' ? { browser: true } : {}),
      ...(grant.origins?.length ? { origins: grant.origins } : {}),
    };
  }

  if (!auth.verifyServiceToken) throw new UnauthorizedError('service tokens are not configured');
  const principal = await auth.verifyServiceToken(`Bearer ${credential.token}`);
  if (!principal.scopes.includes(TRACK_SCOPE)) {
    throw new ForbiddenError(`A service token needs the "${TRACK_SCOPE}" scope to send events`);
  }
  // Unlike an admin token, a service token never means every project, nor `default`.
  if (!principal.projects?.length) {
    throw new ForbiddenError('A service token must name its project (projects claim)');
  }
  const projectId = resolveProject(principal, input.project, undefined);
  const subject = createHash('sha256')
    .update(principal.subject ?? '')
    .digest('hex')
    .slice(0, 12);
  return { projectId, keyId: `svc-${subject}` };
}
