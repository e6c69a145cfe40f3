/**
 * The rollup folds each project on its own: a project whose fold fails, listed first, and one
 * whose storage answers slowly, hold up no other project; the failure is returned with its
 * project and day, and the others' figures are exact. A poison value that reached storage
 * without the track function (a redrive, an older version) never reaches a counter.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { runJob } from '../../../lambdas/rebuild/jobs.ts';
import { readTotals } from '../../../lambdas/store/counters.ts';
import { readDay } from '../../../lambdas/store/day-store.ts';
import { ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

const DAY = '2026-11-20';
const T0 = Date.parse(`${DAY}T10:00:00Z`);
const LATER = T0 + 3_600_000;
const HEALTHY = ['a', 'b', 'c', 'd', 'e', 'f'];
const PROJECTS = ['poison', 'slow', ...HEALTHY];
const SLOW_MS = 3_000;

let t: TestTable;

/**
 * A client that fails every call about project `poison` and holds every call about `slow` for
 * SLOW_MS, and notes when each project's rollup commits (its TransactWriteItems answering).
 */
function faulty(ddb: DynamoDBDocumentClient, committed: Map<string, number>) {
  const projectOf = (command: { input?: unknown }) =>
    /"pk":"[A-Z]+#(poison|slow|[a-f])#/.exec(JSON.stringify(command.input))?.[1];
  const send = async (command: { input?: unknown; constructor: { name: string } }) => {
    const project = projectOf(command);
    if (project === 'poison') throw new Error('injected: poison project');
    if (project === 'slow') await sleep(SLOW_MS);
    const out = await ddb.send(command as never);
    if (project && command.constructor.name === 'TransactWriteCommand') {
      committed.set(project, Date.now());
    }
    return out;
  };
  return new Proxy(ddb, {
    get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
  }) as DynamoDBDocumentClient;
}

beforeAll(async () => {
  t = await createTestTable();
  const records = PROJECTS.map((projectId, p) =>
    sqsRecord(
      Array.from({ length: p + 3 }, (_, i) =>
        tallyEvent({
          projectId,
          userId: `u${i}`,
          event: 'message.sent',
          timestamp: new Date(T0 - 600_000 + i * 1000).toISOString(),
          receivedAt: new Date(T0).toISOString(),
          properties: { tokens: 10, model: 'gpt-4o' },
        }),
      ),
    ),
  );
  const res = await ingest(ingestDeps(t, T0), records);
  expect(res.batchItemFailures).toEqual([]);
});

describe('the rollup job', () => {
  it('folds every other project on time when the first fails and the second is slow', async () => {
    const committed = new Map<string, number>();
    const deps = { ...rollupDeps(t, LATER), ddb: faulty(t.ddb, committed) };
    const started = Date.now();
    const { days, failed } = await runJob(
      deps,
      { projects: PROJECTS, from: DAY, to: DAY },
      { nightlyDays: 3, hourly: 'rebuild' },
    );

    expect(failed).toEqual([{ projectId: 'poison', day: DAY, error: 'injected: poison project' }]);
    expect(days.map((d) => d.projectId).sort()).toEqual(['slow', ...HEALTHY].sort());
    // Every healthy project committed before the slow one even answered its first read.
    for (const p of HEALTHY) {
      expect(committed.get(p), p).toBeLessThan(started + SLOW_MS);
    }
    expect(committed.get('slow')).toBeGreaterThan(started + SLOW_MS);
    // And each is exact: project number p + 3 events, 10 tokens each.
    for (const [p, projectId] of PROJECTS.entries()) {
      if (projectId === 'poison') continue;
      const day = await readDay({ ddb: t.ddb, tableName: t.tableName }, projectId, DAY);
      expect(day.rollup, projectId).toBeDefined();
      expect(day.counters, projectId).toMatchObject({ events: p + 3, tokens: 10 * (p + 3) });
    }
  }, 60_000);

  it('leaves a poison value that reached storage out of every counter, live and rebuilt', async () => {
    const bad = tallyEvent({
      projectId: 'legacy',
      userId: 'u',
      event: 'message.sent',
      timestamp: new Date(T0).toISOString(),
      properties: { tokens: 1e200, responseTimeMs: -5, model: 'gpt-4o' },
    });
    const good = tallyEvent({
      projectId: 'legacy',
      userId: 'u',
      event: 'message.sent',
      timestamp: new Date(T0).toISOString(),
      properties: { tokens: 25, responseTimeMs: 300, model: 'gpt-4o' },
    });
    const res = await ingest(ingestDeps(t, T0), [sqsRecord([bad, good])]);
    expect(res.batchItemFailures).toEqual([]);
    const store = { ddb: t.ddb, tableName: t.tableName };
    const live = await readDay(store, 'legacy', DAY);
    expect(live.counters).toMatchObject({ events: 2, messages: 2, tokens: 25, rtCount: 1 });

    const { failed } = await runJob(
      rollupDeps(t, LATER),
      { projects: ['legacy'], from: DAY, to: DAY },
      { nightlyDays: 3, hourly: 'rebuild' },
    );
    expect(failed).toEqual([]);
    const rebuilt = await readDay(store, 'legacy', DAY);
    expect(rebuilt.rollup).toBeDefined();
    expect(rebuilt.counters).toEqual(live.counters);
    expect(await readTotals(t.ddb, t.tableName, 'legacy')).toMatchObject({
      events: 2,
      tokens: 25,
    });
  });
});
