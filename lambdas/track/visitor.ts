/**
 * Cookieless visitors (docs/tracking.md "From the browser"): a page or track call from a browser
 * that names no user gets `anonymousId` = `v_` and a hash of the day's random salt, the project,
 * the caller's address and its user agent, as Plausible counts visitors. Equal for one browser
 * within a UTC day and project, unlinkable across days and projects once the salt is gone; the
 * address and user agent themselves are not part of the id's storage.
 */
import { createHmac } from 'node:crypto';
import { isRecord } from '../model/values.ts';

export const VISITOR_PREFIX = 'v_';

/** The visitor id of one browser on the salt's day. */
export function visitorId(salt: Buffer, projectId: string, ip: string, userAgent: string): string {
  const digest = createHmac('sha256', salt)
    .update(`${projectId}\u0000${ip.trim()}\u0000${userAgent}`)
    .digest('base64url');
  // 128 bits: no collision among a day's visitors.
  return VISITOR_PREFIX + digest.slice(0, 22);
}

/** A page or track call naming no user: the kind a visitor id is given to. */
export function namesNoUser(item: unknown, type: string | undefined): boolean {
  if (!isRecord(item)) return false;
  const t = type ?? item.type;
  return (t === 'page' || t === 'track') && !item.userId && !item.anonymousId;
}
