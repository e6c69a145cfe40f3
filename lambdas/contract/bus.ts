/**
 * The bus contract: what `track` publishes and what the ingest rule matches. The CDK rule and the
 * local twin's bus both use `INGEST_PATTERN`; consumers of `tally.events` read `EventsDetail`.
 */
import type { TallyEvent } from '../model/events.ts';

export const EVENT_SOURCE = 'tally.track';
export const DETAIL_TYPE = 'tally.events';
/** The detail-type of the items a tracking request refused, with why (docs/tracking.md). */
export const REJECTIONS_DETAIL_TYPE = 'tally.rejections';

/**
 * EventBridge event pattern of the rule that feeds the ingest queue: accepted events, and the
 * rejections ingest counts for the rejections report.
 */
export const INGEST_PATTERN = {
  source: [EVENT_SOURCE],
  'detail-type': [DETAIL_TYPE, REJECTIONS_DETAIL_TYPE],
} as const;

/** The detail of one bus entry: a chunk of accepted events of one project. */
export interface EventsDetail {
  readonly v: 1;
  readonly projectId: string;
  readonly events: TallyEvent[];
}

/** One item a tracking request refused, as published (a safe, truncated copy of what was sent). */
export interface RejectedItem {
  /** Its position in the request. */
  readonly index: number;
  readonly code: string;
  readonly reason: string;
  readonly messageId?: string;
  /**
   * SHA-256 (base64url) of the write key id and the item as sent: a resend of the same item has
   * the same one, so it is counted once.
   */
  readonly id: string;
  /** What was sent, as JSON: depth, breadth and strings cut, secrets and IPs replaced. */
  readonly sample: string;
}

/** The detail of a `tally.rejections` entry: the items one request refused. */
export interface RejectionsDetail {
  readonly v: 1;
  readonly projectId: string;
  /** The write key (or `svc-…` service subject) that sent them. */
  readonly keyId: string;
  /** When track received the request, ISO. */
  readonly receivedAt: string;
  /** The route it came to (`POST /v1/batch`). */
  readonly route: string;
  readonly rejections: RejectedItem[];
}

/** PutEvents takes at most 10 entries and 256 KiB per request (the sizes below are AWS's). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/**
 * Our ceiling for one entry's detail. It leaves room for the envelope EventBridge adds when it
 * hands the event to SQS, whose message limit is also 256 KiB.
 */
export const MAX_DETAIL_BYTES = 240 * 1024;

/** Size of an entry as EventBridge counts it: time (14) + source + detail-type + detail. */
export function entrySize(detailBytes: number): number {
  return 14 + Buffer.byteLength(EVENT_SOURCE) + Buffer.byteLength(DETAIL_TYPE) + detailBytes;
}
