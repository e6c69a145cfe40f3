import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys, period } from '../../../lambdas/contract/keys.ts';
import { applyIncrements, IncrementSet, readPeriod } from '../../../lambdas/store/counters.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

describe('served figures of a period', () => {
  it('sum every bucket when the period has no rollup', async () => {
    const set = new IncrementSet();
    set.add(keys.counterBucket('p', period.day('2026-11-01'), '2026-11-01T10:00'), { events: 2 });
    set.add(keys.counterBucket('p', period.day('2026-11-01'), '2026-11-01T10:00'), {
      events: 3,
      tokens: 7,
    });
    set.add(keys.counterBucket('p', period.day('2026-11-01'), '2026-11-01T10:05'), { events: 1 });
    expect(set.list()).toHaveLength(2);
    await applyIncrements(t.ddb, t.tableName, set.list());
    const served = await readPeriod(t.ddb, t.tableName, 'p', period.day('2026-11-01'));
    expect(served.counters).toEqual({ events: 6, tokens: 7 });
    expect(served.rollup).toBeUndefined();
  });

  it('use the rollup for buckets before its watermark and live buckets from it on', async () => {
    const day = period.day('2026-11-02');
    await applyIncrements(t.ddb, t.tableName, [
      { key: keys.counterBucket('q', day, '2026-11-02T09:55'), counters: { events: 100 } },
      { key: keys.counterBucket('q', day, '2026-11-02T10:00'), counters: { events: 5 } },
      { key: keys.counterBucket('q', day, '2026-11-02T10:05'), counters: { events: 4 } },
    ]);
    // The rollup rebuilt everything stored before 10:00 and found 98 (two were double-counted live).
    await t.ddb.send(
      new PutCommand({
        TableName: t.tableName,
        Item: {
          ...keys.counterRollup('q', day),
          c: { events: 98 },
          watermark: '2026-11-02T10:00',
          rebuiltAt: 'x',
        },
      }),
    );
    const served = await readPeriod(t.ddb, t.tableName, 'q', day);
    expect(served.counters).toEqual({ events: 107 });
  });
});

describe('applying increments', () => {
  it('adds an item with more counters than one update expression holds', async () => {
    const counters = Object.fromEntries(
      Array.from({ length: 180 }, (_, i) => [`tokens:model-${i}`, i + 1]),
    );
    const key = keys.counterBucket('many', period.day('2026-11-03'), '2026-11-03T10:00');
    await applyIncrements(t.ddb, t.tableName, [{ key, counters }]);
    await applyIncrements(t.ddb, t.tableName, [{ key, counters }]);
    const served = await readPeriod(t.ddb, t.tableName, 'many', period.day('2026-11-03'));
    expect(Object.keys(served.counters)).toHaveLength(180);
    expect(served.counters['tokens:model-179']).toBe(360);
  });
});
