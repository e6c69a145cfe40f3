/**
 * Deleting a user against DynamoDB Local: every report of the table it was deleted from equals
 * the same report of a table that never had the user's events (ingested and rolled up alike),
 * with the user's events sent during the deletion counted afterwards, a resend of a deleted event
 * dropped as a duplicate, a run that crashes part-way
 * finished by the next, two runs at once, and exact counts in the audit record.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../../lambdas/admin/routes.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import {
  type DeletionRecord,
  listDeletions,
  runDeletions,
  userHashOf,
} from '../../../lambdas/rebuild/deletion.ts';
import { rollupDay } from '../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { respond } from '../../helpers/route.ts';

const P = 'shop';
const GONE = 'u2';
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22'];
const START = Date.parse('2026-11-22T12:00:00Z');

/** A deterministic dataset: four actors over three days, every kind of event the reports read. */
function dataset(): TallyEvent[] {
  const out: TallyEvent[] = [];
  const actors = ['u1', 'u2', 'u3', 'anon:a9'];
  let n = 0;
  for (const [d, day] of DAYS.entries()) {
    for (const [a, actor] of actors.entries()) {
      const who = actor.startsWith('anon:') ? { anonymousId: actor.slice(5) } : { userId: actor };
      for (let i = 0; i < 6 + a; i++) {
        const timestamp = `${day}T${String(8 + i).padStart(2, '0')}:${String(10 + a).padStart(2, '0')}:00.000Z`;
        const base = {
          projectId: P,
          messageId: `m${n++}`,
          timestamp,
          receivedAt: timestamp,
          ...who,
        };
        const kind = (i + d + a) % 5;
        if (kind === 0) {
          out.push(
            tallyEvent({
              ...base,
              event: 'message.sent',
              properties: {
                tokens: 10 * (i + 1) + a,
                model: a % 2 ? 'gpt-4o' : 'claude-3-haiku',
                responseTimeMs: 100 * (i + 1) + 7 * a,
                conversationId: `c-${actor}-${d}`,
                role: 'assistant',
              },
            }),
          );
        } else if (kind === 1) {
          out.push(
            tallyEvent({
              ...base,
              event: 'conversation.started',
              properties: { conversationId: `c-${actor}-${d}`, agentId: 'agent-1' },
            }),
          );
        } else if (kind === 2) {
          out.push(
            tallyEvent({
              ...base,
              event: 'api.request',
              properties: {
                endpoint: '/v1/chat',
                method: 'post',
                statusCode: i === 3 ? 500 : 200,
                durationMs: 40 + i,
              },
            }),
          );
        } else if (kind === 3) {
          out.push(
            tallyEvent({ ...base, type: 'identify', event: undefined, traits: { plan: `p${a}` } }),
          );
        } else {
          out.push(tallyEvent({ ...base, type: 'page', event: undefined, name: 'Pricing' }));
        }
      }
    }
  }
  return out;
}

const actorOf = (e: TallyEvent) => e.userId ?? `anon:${e.anonymousId}`;

/** Ingests `events` in records of 7, as several invocations of 3 records. */
async function ingestAll(t: TestTable, now: number, events: TallyEvent[]) {
  const records = [];
  for (let i = 0; i < events.length; i += 7) records.push(sqsRecord(events.slice(i, i + 7)));
  for (let i = 0; i < records.length; i += 3) {
    const res = await ingest(ingestDeps(t, now), records.slice(i, i + 3));
    expect(res.batchItemFailures).toEqual([]);
  }
}

const REPORTS: [string, Record<string, string>][] = [
  ['GET /api/v1/analytics/summary', {}],
  ['GET /api/v1/analytics/overview', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/daily-stats', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/users/list', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/users/top', { from: DAYS[0] as string, to: DAYS[2] as string }],
  [
    'GET /api/v1/analytics/users/activities',
    { limit: '500', from: DAYS[0] as string, to: DAYS[2] as string },
  ],
  [
    'GET /api/v1/analytics/events',
    { limit: '100', from: DAYS[0] as string, to: DAYS[2] as string },
  ],
  ['GET /api/v1/analytics/conversations', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/tokens', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/messages', { from: DAYS[0] as string, to: DAYS[2] as string }],
  ['GET /api/v1/analytics/api-usage', { from: DAYS[0] as string, to: DAYS[2] as string }],
];

/** Every report above, as its JSON body. */
async function reports(t: TestTable, now: number) {
  const routes = adminRoutes(adminDeps(t, now));
  const out: Record<string, unknown> = {};
  for (const [route, query] of REPORTS) {
    const logic = routes[route];
    if (!logic) throw new Error(`no route ${route}`);
    const res = await respond(logic, httpEvent(route, { query: { project: P, ...query } }));
    expect([route, res.statusCode]).toEqual([route, 200]);
    out[route] = byMessageId(JSON.parse(res.body as string));
  }
  return out;
}

/**
 * The log-paged reports (activity feed, raw events) list newest fact-log item first: their order
 * follows how ingest grouped the events, which differs between the two tables (the reference
 * never had the user's events in its batches). Their content must be the same: sorted by id.
 */
function byMessageId(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  for (const field of ['activities', 'events']) {
    const list = out[field];
    if (Array.isArray(list)) {
      out[field] = [...list].sort((a, b) => String(a.messageId).localeCompare(String(b.messageId)));
    }
  }
  return out;
}

/** A client that fails every write after the first `writes` (a crash part-way). */
function crashingAfter(ddb: DynamoDBDocumentClient, writes: number): DynamoDBDocumentClient {
  let sent = 0;
  return new Proxy(ddb, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return (command: { constructor: { name: string } }) => {
        const name = command.constructor.name;
        if (/Write|Update|Put|Delete/.test(name) && ++sent > writes) {
          return Promise.reject(new Error('injected crash'));
        }
        return target.send(command as never);
      };
    },
  });
}

let withUser: TestTable;
let reference: TestTable;
let record: DeletionRecord;
let expectedRaw: number;

beforeAll(async () => {
  [withUser, reference] = await Promise.all([createTestTable(), createTestTable()]);
  const events = dataset();
  const theirs = events.filter((e) => actorOf(e) === GONE);
  expectedRaw = theirs.length;
  await ingestAll(withUser, START, events);
  await ingestAll(
    reference,
    START,
    events.filter((e) => actorOf(e) !== GONE),
  );
  // The older days are rolled up (rebuilt layer), today stays live.
  const later = START + 30 * 60_000;
  for (const t of [withUser, reference]) {
    for (const day of DAYS.slice(0, 2)) await rollupDay(rollupDeps(t, later), P, day);
  }

  // The request, at START + 40 min.
  const requestedAt = START + 40 * 60_000;
  const routes = adminRoutes(adminDeps(withUser, requestedAt));
  const res = await respond(
    routes['DELETE /api/v1/analytics/user-data/{userId}'] as never,
    httpEvent('DELETE /api/v1/analytics/user-data/{userId}', {
      query: { project: P },
      pathParameters: { userId: GONE },
    }),
  );
  expect(res.statusCode).toBe(202);
  record = (JSON.parse(res.body as string) as { deletion: DeletionRecord }).deletion;

  // During the deletion the user keeps sending: one event today, stored after the cutoff by a
  // writer that still sees the user's marker and profile (so creates neither).
  const afterCutoff = Date.parse(`${record.cutoff}:00.000Z`) + 1_000;
  const late = tallyEvent({
    projectId: P,
    userId: GONE,
    messageId: 'late-1',
    event: 'message.sent',
    timestamp: '2026-11-22T12:41:00.000Z',
    receivedAt: new Date(afterCutoff).toISOString(),
    properties: { tokens: 77, model: 'gpt-4o', conversationId: 'c-late' },
  });
  await ingestAll(withUser, afterCutoff, [late]);
  await ingestAll(reference, afterCutoff, [late]);

  // Phase 1 is not due before the cutoff has settled: nothing happens.
  expect(await runDeletions(rollupDeps(withUser, afterCutoff), P)).toEqual([]);

  // Phase 1 crashes part-way, then two runs at once finish it.
  const due = record.dueAt;
  await expect(
    runDeletions({ ...rollupDeps(withUser, due), ddb: crashingAfter(withUser.ddb, 6) }, P),
  ).rejects.toThrow('injected crash');
  await Promise.all([
    runDeletions(rollupDeps(withUser, due), P),
    runDeletions(rollupDeps(withUser, due), P),
  ]);

  // A resend of one of the deleted events after phase 1 (a client retrying within the dedupe
  // window): its tombstone makes it a duplicate, so it is neither stored nor counted again.
  const resent = { ...(theirs[0] as TallyEvent), receivedAt: new Date(due + 5_000).toISOString() };
  const resend = await ingest(ingestDeps(withUser, due + 5_000), [sqsRecord([resent])]);
  expect(resend.batchItemFailures).toEqual([]);
  expect(resend.stats).toMatchObject({ received: 1, stored: 0, duplicates: 1 });

  // Phase 2, a settle time later: crash once, then finish.
  const [mid] = await listDeletions(withUser.ddb, withUser.tableName, P);
  expect(mid?.status).toBe('repairing');
  const repairAt = (mid as DeletionRecord).dueAt;
  await expect(
    runDeletions({ ...rollupDeps(withUser, repairAt), ddb: crashingAfter(withUser.ddb, 1) }, P),
  ).rejects.toThrow('injected crash');
  await runDeletions(rollupDeps(withUser, repairAt), P);
  // The reference table gets the same rebuilds at the same time.
  for (const day of DAYS) await rollupDay(rollupDeps(reference, repairAt), P, day);
}, 240_000);

describe('deleting a user', () => {
  it('leaves every report as if the user had only sent what arrived after the request', async () => {
    const at = (await listDeletions(withUser.ddb, withUser.tableName, P))[0]?.dueAt as number;
    const [got, expected] = await Promise.all([reports(withUser, at), reports(reference, at)]);
    for (const [route] of REPORTS) expect([route, got[route]]).toEqual([route, expected[route]]);
    // Not vacuous: the user's late events are there, the rest of them is not.
    expect(JSON.stringify(got['GET /api/v1/analytics/events'])).toContain('late-1');
    expect((got['GET /api/v1/analytics/summary'] as { totalEvents: number }).totalEvents).toBe(
      dataset().length - expectedRaw + 1,
    );
  });

  it('keeps an audit record with exact counts and without the user id', async () => {
    const [done] = await listDeletions(withUser.ddb, withUser.tableName, P);
    expect(done).toMatchObject({
      id: record.id,
      projectId: P,
      userHash: userHashOf(GONE),
      requestedBy: 'test',
      status: 'done',
      days: DAYS,
      deleted: { rawEvents: expectedRaw, facts: expectedRaw, markers: 3, profiles: 1 },
      // Today's marker and the profile: the late event was stored by a writer that saw the old
      // ones, so created neither.
      recreated: 2,
    });
    const items = await withUser.query(`DEL#${P}`);
    expect(JSON.stringify(items)).not.toContain(`"${GONE}"`);
  });

  it('finds nothing of the user before the cutoff in the table, only tombstones', async () => {
    const everything = await withUser.scan();
    const raw = everything.filter((i) => String(i.pk).startsWith(`E#${P}#`));
    // The event it sent since the request, and nothing older.
    expect(raw.filter((i) => i.u === GONE).map((i) => i.sk)).toEqual(['late-1']);
    // Each deleted event left its key and expiry alone, which a resend finds.
    const theirIds = dataset()
      .filter((e) => actorOf(e) === GONE)
      .map((e) => e.messageId);
    const tombstones = raw.filter((i) => theirIds.includes(String(i.sk)));
    expect(tombstones).toHaveLength(theirIds.length);
    for (const t of tombstones) {
      expect(Object.keys(t).sort()).toEqual(['pk', 'sk', 'ttl']);
      expect(t.ttl).toBeGreaterThan(START / 1000 + 7 * 86_400);
    }
  });
});
