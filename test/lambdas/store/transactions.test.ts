/**
 * createOnce, the mechanism active users and rejections count with: each item written and counted
 * once, whatever runs beside it or ran before (DynamoDB Local).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnce } from '../../../lambdas/store/transactions.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

const COUNTER = { pk: 'once#count', sk: 'n' };

/** One conditional put per id, then one update adding exactly that many to the counter. */
const writeOnce = (ids: string[], attempts?: number) =>
  createOnce(
    t.ddb,
    ids,
    (pending) => [
      ...pending.map((id) => ({
        Put: {
          TableName: t.tableName,
          Item: { pk: `once#${id}`, sk: 'item' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      {
        Update: {
          TableName: t.tableName,
          Key: COUNTER,
          UpdateExpression: 'ADD n :n',
          ExpressionAttributeValues: { ':n': pending.length },
        },
      },
    ],
    attempts === undefined ? {} : { attempts },
  );

const count = async () =>
  ((await t.ddb.send(new GetCommand({ TableName: t.tableName, Key: COUNTER }))).Item?.n as
    | number
    | undefined) ?? 0;

describe('createOnce', () => {
  it('writes and counts each item once under concurrent overlapping callers and a rerun', async () => {
    // An earlier run that committed id-3 and then crashed before it could answer.
    await t.ddb.send(
      new PutCommand({ TableName: t.tableName, Item: { pk: 'once#id-3', sk: 'item' } }),
    );
    const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
    // Six callers at once, each with an overlapping window of 16 ids (together id-0…id-35),
    // then a rerun of all 40.
    const windows = Array.from({ length: 6 }, (_, w) => ids.slice(w * 4, w * 4 + 16));
    const written = await Promise.all(windows.map((w) => writeOnce(w, 30)));
    const rerun = await writeOnce(ids, 30);

    const all = [...written.flat(), ...rerun];
    // Every id but the one the crashed run left is written by exactly one caller.
    expect(all.sort()).toEqual(ids.filter((id) => id !== 'id-3').sort());
    expect(await count()).toBe(39);
    // The rerun wrote only what no window covered.
    expect(rerun).toEqual(['id-36', 'id-37', 'id-38', 'id-39']);
  });

  it('gives back nothing and adds nothing when every item exists', async () => {
    const before = await count();
    expect(await writeOnce(['id-0', 'id-1', 'id-3'])).toEqual([]);
    expect(await count()).toBe(before);
  });

  it('throws an error that is not a cancellation', async () => {
    await expect(
      createOnce(t.ddb, ['x'], () => [
        { Put: { TableName: `${t.tableName}-missing`, Item: { pk: 'x', sk: 'x' } } },
      ]),
    ).rejects.toThrow();
  });
});
