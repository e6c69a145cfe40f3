/**
 * Rejected items through ingest into the rejections report: each distinct item counted once,
 * by reason and write key, under concurrent resends and redelivery; every first sighting in the
 * sink with its reason; the report's samples newest first; a project sees only its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../lambdas/admin/report.ts';
import { rejectionsReports } from '../../../lambdas/admin/reports/rejections.ts';
import { adminRoute } from '../../../lambdas/admin/routes.ts';
import type { RejectedItem } from '../../../lambdas/contract/bus.ts';
import type { HttpEvent } from '../../../lambdas/http/json.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { RejectionRecord } from '../../../lambdas/store/rejections.ts';
import { rejectionId, sampleOf } from '../../../lambdas/track/rejections.ts';
import { adminDeps, ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, rejectionsRecord } from '../../helpers/events.ts';
import { respond } from '../../helpers/route.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;

let t: TestTable;
let deps: AdminDeps;
beforeAll(async () => {
  t = await createTestTable();
  deps = adminDeps(t, NOW);
});

const item = (keyId: string, n: number, code = 'invalid'): RejectedItem => {
  const sent = { type: 'track', userId: `u${n}`, messageId: `m${n}` };
  return {
    index: n,
    code,
    reason: code === 'invalid' ? 'event: Invalid type' : `${code} item`,
    messageId: `m${n}`,
    id: rejectionId(keyId, sent),
    sample: sampleOf(sent),
  };
};

const record = (projectId: string, keyId: string, at: number, rejections: RejectedItem[]) =>
  rejectionsRecord({
    projectId,
    keyId,
    receivedAt: new Date(at).toISOString(),
    route: 'POST /v1/batch',
    rejections,
  });

async function report(query: Record<string, string>) {
  const res = await respond(
    (e: HttpEvent) => adminRoute(deps, rejectionsReports[0] as never)(e),
    httpEvent('GET /api/v1/analytics/rejections', { query }),
  );
  return { status: res.statusCode, body: JSON.parse(String(res.body)) };
}

describe('the rejections of tracking requests', () => {
  it('counts each distinct item once under concurrent resends and redelivery, and sinks each once', async () => {
    const sunk: RejectionRecord[] = [];
    const ingestWithSink = () => ({
      ...ingestDeps(t, NOW),
      rejectedSink: async (records: readonly RejectionRecord[]) => {
        sunk.push(...records);
      },
    });
    // 100 invalid and 20 too-large items from key k1 (three transactions' worth), 5 from k2.
    const k1 = [
      ...Array.from({ length: 100 }, (_, n) => item('k1', n)),
      ...Array.from({ length: 20 }, (_, n) => item('k1', 100 + n, 'too_large')),
    ];
    const k2 = Array.from({ length: 5 }, (_, n) => item('k2', n));
    // A client resends its batch four times at once; SQS delivers one record twice.
    const sends = [0, 1, 2, 3].map((i) =>
      ingest(ingestWithSink(), [
        record('rj', 'k1', NOW - HOUR + i, k1),
        record('rj', 'k2', NOW - HOUR + i, k2),
      ]),
    );
    const outcomes = await Promise.all(sends);
    expect(outcomes.flatMap((o) => o.batchItemFailures)).toEqual([]);
    const redelivered = await ingest(ingestWithSink(), [record('rj', 'k1', NOW, k1)]);
    expect(redelivered.stats.rejectionsCounted).toBe(0);

    const counted = outcomes.reduce((n, o) => n + o.stats.rejectionsCounted, 0);
    expect(counted).toBe(125);
    // At least once, each with its reason: concurrent first sightings may both send.
    expect(new Set(sunk.map((r) => r.id)).size).toBe(125);
    expect(sunk.every((r) => r.reason.length > 0)).toBe(true);

    const { status, body } = await report({ project: 'rj', range: '7d', limit: '3' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      project: 'rj',
      total: 125,
      byReason: { invalid: 105, too_large: 20 },
      byWriteKey: [
        { keyId: 'k1', total: 120, byReason: { invalid: 100, too_large: 20 } },
        { keyId: 'k2', total: 5, byReason: { invalid: 5 } },
      ],
      samplesKeptDays: 15,
    });
    expect(body.samples).toHaveLength(3);
    for (const s of body.samples) {
      expect(s).toMatchObject({ route: 'POST /v1/batch', code: expect.any(String) });
      expect(JSON.parse(s.sample)).toMatchObject({ type: 'track' });
    }
  });

  it('keeps days apart, and shows a project only its own', async () => {
    const yesterday = NOW - 24 * HOUR;
    await ingest(ingestDeps(t, NOW), [
      record('rj2', 'k9', yesterday, [item('k9', 1)]),
      record('rj2', 'k9', NOW, [item('k9', 2, 'bot')]),
    ]);
    const today = await report({ project: 'rj2', from: '2026-11-22', to: '2026-11-22' });
    expect(today.body).toMatchObject({ total: 1, byReason: { bot: 1 } });
    const both = await report({ project: 'rj2', range: '7d' });
    expect(both.body).toMatchObject({ total: 2, byReason: { invalid: 1, bot: 1 } });
    // Newest first.
    expect(both.body.samples.map((s: { code: string }) => s.code)).toEqual(['bot', 'invalid']);
    const other = await report({ project: 'nobody', range: '7d' });
    expect(other.body).toMatchObject({ total: 0, byReason: {}, byWriteKey: [], samples: [] });
  });

  it('dead-letters a rejections record it cannot read, with the reason', async () => {
    const letters: string[] = [];
    const bad = rejectionsRecord({
      projectId: 'rj3',
      keyId: 'k1',
      receivedAt: 'not a time',
      route: 'POST /v1/batch',
      rejections: [],
    });
    const res = await ingest(
      {
        ...ingestDeps(t, NOW),
        deadLetter: async (_r, reason) => {
          letters.push(reason);
        },
      },
      [bad],
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(letters).toEqual([expect.stringContaining('no receivedAt')]);
  });
});
