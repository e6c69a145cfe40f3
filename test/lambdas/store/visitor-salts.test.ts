import { beforeAll, describe, expect, it } from 'vitest';
import { DailySalts, deletePastSalts } from '../../../lambdas/store/visitor-salts.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

describe('daily visitor salts', () => {
  it('gives every container the same salt for a day, made once under a race, another the next day', async () => {
    const containers = Array.from({ length: 6 }, () => new DailySalts(t.ddb, t.tableName));
    const salts = await Promise.all(containers.map((c) => c.of('2026-11-21')));
    expect(new Set(salts.map((s) => s.toString('hex'))).size).toBe(1);
    expect(salts[0]?.length).toBe(32);
    const next = await containers[0]?.of('2026-11-22');
    expect(next?.equals(salts[0] as Buffer)).toBe(false);
    const items = (await t.scan()).filter((i) => i.pk === 'VSALT');
    expect(items.map((i) => [i.sk, i.ttl])).toEqual([
      ['2026-11-21', Date.parse('2026-11-22T01:00:00Z') / 1000],
      ['2026-11-22', Date.parse('2026-11-23T01:00:00Z') / 1000],
    ]);
  });

  it("deletes past days' salts, so none can re-link a past day's visitors", async () => {
    expect(await deletePastSalts(t.ddb, t.tableName, '2026-11-22')).toBe(1);
    expect((await t.scan()).filter((i) => i.pk === 'VSALT').map((i) => i.sk)).toEqual([
      '2026-11-22',
    ]);
  });
});
