/**
 * Label registries, against DynamoDB Local: a batch's new labels are admitted in one write while
 * the registry has room for all of them, and batches racing for a registry's last places never
 * take it past its cap, each fact's decision agreeing with what the registry holds.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../../lambdas/contract/keys.ts';
import { type Fact, factOf } from '../../../lambdas/store/facts.ts';
import { capLabels, LABEL_CAPS } from '../../../lambdas/store/labels.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { tallyEvent } from '../../helpers/events.ts';
import { jittered, seeded, watched } from '../../helpers/faults.ts';

const DAY = '2026-11-20';
const TTL = Math.floor(Date.parse('2027-01-01T00:00:00Z') / 1000);

/** One fact per name, of project p1 on DAY. */
const factsNamed = (names: string[]) =>
  names.map((event) => ({
    day: DAY,
    fact: factOf(tallyEvent({ event, timestamp: `${DAY}T10:00:00.000Z` })),
  }));

const keptNames = (facts: { fact: Fact }[]) =>
  facts.filter(({ fact }) => !fact.capped?.includes('name')).map(({ fact }) => fact.name);

async function registrySize(t: TestTable) {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.labelRegistry('p1', DAY, 'name') }),
  );
  return (res.Item?.s as Set<string> | undefined)?.size ?? 0;
}

let t: TestTable;
beforeEach(async () => {
  t = await createTestTable();
});

describe('label registries', () => {
  it("admits a batch's new labels of a registry in one write", async () => {
    const writes: string[] = [];
    const ddb = watched(t.ddb, {
      before: (c) => {
        if ('UpdateExpression' in c.input) writes.push(JSON.stringify(c.input.Key));
      },
    });
    const first = factsNamed(Array.from({ length: 40 }, (_, i) => `feature.${i}`));
    await capLabels({ ddb, tableName: t.tableName }, 'p1', first, TTL);
    expect(keptNames(first)).toHaveLength(40);
    expect(writes).toHaveLength(1);
    // Known since: no write for them again, one for the two new ones.
    const second = factsNamed(['feature.3', 'feature.41', 'feature.42', 'feature.41']);
    await capLabels({ ddb, tableName: t.tableName }, 'p1', second, TTL);
    expect(keptNames(second)).toHaveLength(4);
    expect(writes).toHaveLength(2);
    expect(await registrySize(t)).toBe(42);
  });

  it('keeps the cap when concurrent batches race for the last places', async () => {
    const cap = LABEL_CAPS.name;
    const store = { ddb: t.ddb, tableName: t.tableName };
    await capLabels(
      store,
      'p1',
      factsNamed(Array.from({ length: cap - 5 }, (_, i) => `f${i}`)),
      TTL,
    );
    // Six batches of three new names each race for five places, each call jittered.
    const random = seeded(3);
    const batches = Array.from({ length: 6 }, (_, b) =>
      factsNamed([0, 1, 2].map((i) => `late.${b}.${i}`)),
    );
    await Promise.all(
      batches.map((facts) =>
        capLabels({ ...store, ddb: jittered(t.ddb, 5, random) }, 'p1', facts, TTL),
      ),
    );
    const kept = batches.flatMap(keptNames);
    expect(kept).toHaveLength(5);
    expect(await registrySize(t)).toBe(cap);
    // Every decision stands: a name kept by one batch is refused by none.
    const again = factsNamed(batches.flatMap((facts) => facts.map(({ fact }) => fact.name ?? '')));
    await capLabels(store, 'p1', again, TTL);
    expect(keptNames(again).sort()).toEqual([...kept].sort());
  });
});
