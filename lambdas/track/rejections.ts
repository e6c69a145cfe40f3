/**
 * What the bus carries of the items a request refused: each one's reason, an id that a resend of
 * the same item repeats (so the rejections report counts it once), and a copy of what was sent
 * that is safe to keep and show (docs/tracking.md "Rejected items").
 */
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { RejectedItem } from '../contract/bus.ts';
import { LIMITS } from '../model/limits.ts';
import type { Rejection } from './accept.ts';

/** Characters kept of a sample, and of any one string in it. */
export const SAMPLE_CHARS = 1000;
const SAMPLE_STRING_CHARS = 200;
/** Characters kept of a reason (it can quote what was sent). */
export const REASON_CHARS = 500;

/**
 * Values never kept in a sample: credentials, and addresses (Tally stores no raw IP). Matched on
 * the property name, any case, `_` and `-` ignored.
 */
const REDACTED_NAMES = new Set([
  'writekey',
  'password',
  'passwd',
  'secret',
  'token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'apikey',
  'ip',
  'ipaddress',
]);
export const REDACTED = '[redacted]';

// A library rather than a hand-written walk: it bounds depth and breadth without recursing past
// them, so an item nested thousands deep (refused for it) is still sampled safely.
const sampleText = configure({ deterministic: false, maximumDepth: 4, maximumBreadth: 20 });
// The id reads the item to one level past the depth limit: items deeper than that are refused
// for their depth, and two that differ only below it are counted as one.
const identityText = configure({ deterministic: false, maximumDepth: LIMITS.depth + 1 });

const cut = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

function redact(key: string, value: unknown): unknown {
  if (REDACTED_NAMES.has(key.toLowerCase().replace(/[-_]/g, ''))) return REDACTED;
  return typeof value === 'string' ? cut(value, SAMPLE_STRING_CHARS) : value;
}

/** A copy of what was sent, as JSON text: at most 4 deep, 20 wide, 1,000 characters. */
export function sampleOf(item: unknown): string {
  return cut(sampleText(item, redact) ?? String(item), SAMPLE_CHARS);
}

/** The id of an item sent with a key: the same item resent has the same one. */
export function rejectionId(keyId: string, item: unknown): string {
  return createHash('sha256')
    .update(keyId)
    .update('\u0000')
    .update(identityText(item) ?? String(item))
    .digest('base64url');
}

/** The rejected items of a request, as the bus carries them. */
export function rejectedItems(
  keyId: string,
  items: readonly unknown[],
  rejected: readonly Rejection[],
): RejectedItem[] {
  return rejected.map((r) => {
    const item = items[r.index];
    return {
      index: r.index,
      code: r.code,
      reason: cut(r.reason, REASON_CHARS),
      ...(r.messageId === undefined ? {} : { messageId: cut(r.messageId, SAMPLE_STRING_CHARS) }),
      id: rejectionId(keyId, item),
      sample: sampleOf(item),
    };
  });
}
