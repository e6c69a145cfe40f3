/** Who is calling a tracking endpoint: the write key, from HTTP Basic (Segment's way) or Bearer. */
import { UnauthorizedError } from '../shared/errors.ts';

/** The write key in the request, or undefined. Basic carries it as the username. */
export function writeKeyFrom(headers: Record<string, string | undefined>): string | undefined {
  const header = headers.authorization ?? headers.Authorization;
  if (!header) return undefined;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  switch (scheme.toLowerCase()) {
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      return user || undefined;
    }
    case 'bearer':
      return value || undefined;
    default:
      return undefined;
  }
}

/** Resolves the calling project or throws the one generic 401. */
export async function authenticate(
  headers: Record<string, string | undefined>,
  resolve: (secret: string) => Promise<string | undefined>,
): Promise<string> {
  const secret = writeKeyFrom(headers);
  if (!secret) throw new UnauthorizedError('no write key');
  const projectId = await resolve(secret);
  if (!projectId) throw new UnauthorizedError('unknown or revoked write key');
  return projectId;
}
