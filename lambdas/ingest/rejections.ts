/**
 * The `tally.rejections` records of a batch: each rejected item goes to the rejections sink
 * (once per distinct item, as a rule) and is counted once for the rejections report
 * (docs/tracking.md "Rejected items").
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { REJECTIONS_DETAIL_TYPE, type RejectionsDetail } from '../contract/bus.ts';
import { chunk } from '../store/dynamo.ts';
import { type RejectionRecord, recordRejections, unseenRejections } from '../store/rejections.ts';
import type { IngestDeps } from './deps.ts';

/** The message attributes of an entry of the rejections sink. */
export const REJECTED_ATTRIBUTES = {
  reason: 'reason',
  code: 'code',
  projectId: 'projectId',
} as const;

/** How EventBridge writes the detail-type of a rejections record (JSON, no spaces). */
const REJECTIONS_MARK = `"detail-type":${JSON.stringify(REJECTIONS_DETAIL_TYPE)}`;

/** SQS's most messages per SendMessageBatch. */
const SEND_BATCH = 10;

/**
 * The detail of a `tally.rejections` record; a string saying why it cannot be read; or
 * undefined for a record of another detail-type (accepted events).
 */
export function parseRejections(record: SQSRecord): RejectionsDetail | string | undefined {
  // A search, not a parse: an events record (most of them) is then parsed once, by ingest. One
  // whose events happen to hold this text is parsed twice, and read as what it is.
  if (!record.body.includes(REJECTIONS_MARK)) return undefined;
  let envelope: { 'detail-type'?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(record.body);
  } catch {
    return undefined;
  }
  if (envelope['detail-type'] !== REJECTIONS_DETAIL_TYPE) return undefined;
  const d = envelope.detail as Partial<RejectionsDetail> | undefined;
  if (d?.v !== 1) return 'rejections detail is missing or of an unknown version';
  if (typeof d.projectId !== 'string' || !d.projectId || typeof d.keyId !== 'string') {
    return 'rejections detail has no projectId or keyId';
  }
  if (Number.isNaN(Date.parse(String(d.receivedAt))) || !Array.isArray(d.rejections)) {
    return 'rejections detail has no receivedAt or rejections';
  }
  for (const r of d.rejections) {
    if (
      typeof r?.id !== 'string' ||
      typeof r.code !== 'string' ||
      typeof r.reason !== 'string' ||
      typeof r.sample !== 'string' ||
      !Number.isInteger(r.index)
    ) {
      return 'rejections detail holds an item without id, index, code, reason or sample';
    }
  }
  return d as RejectionsDetail;
}

/** The records of one detail, one per rejected item. */
export const recordsOf = (d: RejectionsDetail): RejectionRecord[] =>
  d.rejections.map((r) => ({
    ...r,
    projectId: d.projectId,
    keyId: d.keyId,
    receivedAt: Date.parse(d.receivedAt),
    route: typeof d.route === 'string' ? d.route : 'unknown',
  }));

/**
 * Sends each item not counted yet to the sink, then counts them. The sink comes first, so an
 * item counted is in the sink too; a crash between the two sends it again on redelivery.
 */
export async function ingestRejections(
  deps: IngestDeps,
  records: readonly RejectionRecord[],
): Promise<{ counted: number; sunk: number }> {
  const { tableName, eventShards } = deps.storage;
  const fresh = await unseenRejections(deps.ddb, tableName, eventShards, records);
  if (fresh.length && deps.rejectedSink) await deps.rejectedSink(fresh);
  const counted = await recordRejections(deps.ddb, tableName, eventShards, fresh);
  return { counted: counted.length, sunk: deps.rejectedSink ? fresh.length : 0 };
}

/** The rejections sink in SQS: one message per rejected item, its reason as an attribute. */
export function sqsRejectedSink(client: SQSClient, queueUrl: string) {
  return async (records: readonly RejectionRecord[]): Promise<void> => {
    for (const part of chunk([...records], SEND_BATCH)) {
      let pending = part.map((r, i) => ({ r, id: String(i) }));
      for (let attempt = 1; pending.length; attempt++) {
        const res = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map(({ r, id }) => ({
              Id: id,
              MessageBody: JSON.stringify({
                projectId: r.projectId,
                keyId: r.keyId,
                route: r.route,
                receivedAt: new Date(r.receivedAt).toISOString(),
                index: r.index,
                code: r.code,
                reason: r.reason,
                ...(r.messageId === undefined ? {} : { messageId: r.messageId }),
                id: r.id,
                sample: r.sample,
              }),
              MessageAttributes: {
                [REJECTED_ATTRIBUTES.reason]: { DataType: 'String', StringValue: r.reason },
                [REJECTED_ATTRIBUTES.code]: { DataType: 'String', StringValue: r.code },
                [REJECTED_ATTRIBUTES.projectId]: { DataType: 'String', StringValue: r.projectId },
              },
            })),
          }),
        );
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        pending = pending.filter(({ id }) => failed.has(id));
        if (pending.length && attempt >= 3) {
          throw new Error(`the rejections sink refused ${pending.length} messages`);
        }
      }
    }
  };
}
