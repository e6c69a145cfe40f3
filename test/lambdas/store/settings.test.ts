import { beforeAll, describe, expect, it } from 'vitest';
import { factLogPartition } from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { MS } from '../../../lambdas/model/time.ts';
import {
  RateLimitResolver,
  RetentionResolver,
  readProjectSettings,
  setWriteKeyRateLimit,
  updateProjectSettings,
} from '../../../lambdas/store/settings.ts';
import { generateWriteKey, putWriteKey } from '../../../lambdas/store/write-keys.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

const FALLBACK = { requestsPerSecond: 500, eventsPerSecond: 20_000 };

describe('project settings', () => {
  it('sets, keeps and clears fields independently', async () => {
    await updateProjectSettings(t.ddb, t.tableName, 's1', { retentionDays: 30 });
    const both = await updateProjectSettings(t.ddb, t.tableName, 's1', {
      rateLimit: { requestsPerSecond: 10, eventsPerSecond: 300 },
    });
    expect(both).toEqual({
      retentionDays: 30,
      rateLimit: { requestsPerSecond: 10, eventsPerSecond: 300 },
    });
    await updateProjectSettings(t.ddb, t.tableName, 's1', { retentionDays: null });
    expect(await readProjectSettings(t.ddb, t.tableName, 's1')).toEqual({
      rateLimit: { requestsPerSecond: 10, eventsPerSecond: 300 },
    });
  });

  it('resolves a key’s limit: its own, else its project’s, else the default', async () => {
    const secret = generateWriteKey();
    const key = await putWriteKey(t.ddb, t.tableName, {
      projectId: 's2',
      secret,
      name: 'k',
      now: new Date(),
    });
    const limits = () => new RateLimitResolver(t.ddb, t.tableName, FALLBACK, 0);
    expect(await limits().limitOf('s2', key.keyId)).toEqual(FALLBACK);
    const project = { requestsPerSecond: 50, eventsPerSecond: 1000 };
    await updateProjectSettings(t.ddb, t.tableName, 's2', { rateLimit: project });
    expect(await limits().limitOf('s2', key.keyId)).toEqual(project);
    const own = { requestsPerSecond: 5, eventsPerSecond: 250 };
    const record = await setWriteKeyRateLimit(t.ddb, t.tableName, {
      projectId: 's2',
      keyId: key.keyId,
      rateLimit: own,
    });
    expect(record).toMatchObject({ keyId: key.keyId, rateLimit: own });
    expect(record).not.toHaveProperty('hash');
    expect(await limits().limitOf('s2', key.keyId)).toEqual(own);
    await setWriteKeyRateLimit(t.ddb, t.tableName, {
      projectId: 's2',
      keyId: key.keyId,
      rateLimit: null,
    });
    expect(await limits().limitOf('s2', key.keyId)).toEqual(project);
  });

  it('gives a project’s new raw events and facts its own retention', async () => {
    await updateProjectSettings(t.ddb, t.tableName, 'short', { retentionDays: 10 });
    const receivedAt = '2026-11-22T12:00:00.000Z';
    const deps = {
      ...ingestDeps(t, Date.parse(receivedAt)),
      retentionOf: (p: string) => new RetentionResolver(t.ddb, t.tableName, 30).daysOf(p),
    };
    for (const projectId of ['short', 'long']) {
      const e = tallyEvent({ projectId, receivedAt, timestamp: receivedAt });
      expect((await ingest(deps, [sqsRecord([e])])).stats.stored).toBe(1);
    }
    const expires = (days: number) => Math.floor((Date.parse(receivedAt) + days * MS.day) / 1000);
    for (const [projectId, days] of [
      ['short', 10],
      ['long', 30],
    ] as const) {
      const raw = (await t.scan()).filter((i) => String(i.pk).startsWith(`E#${projectId}#`));
      const facts = await t.query(factLogPartition(projectId, '2026-11-22'));
      expect(raw.map((i) => i.ttl)).toEqual([expires(days)]);
      expect(facts.map((i) => i.ttl)).toEqual([expires(days)]);
    }
  });
});
