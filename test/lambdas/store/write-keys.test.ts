import { beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../lambdas/model/errors.ts';
import {
  generateWriteKey,
  listWriteKeys,
  putWriteKey,
  revokeWriteKey,
  WriteKeyResolver,
} from '../../../lambdas/store/write-keys.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

describe('write keys', () => {
  it('stores only a hash: no item holds the secret', async () => {
    const secret = generateWriteKey();
    const record = await putWriteKey(t.ddb, t.tableName, {
      projectId: 'p',
      secret,
      name: 'web',
      now: new Date('2026-11-01T00:00:00Z'),
    });
    expect(record).toEqual({
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      projectId: 'p',
      prefix: secret.slice(0, 9),
      name: 'web',
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    const everything = JSON.stringify(await t.scan());
    expect(everything).not.toContain(secret);
    expect(everything).toContain(secret.slice(0, 9));
  });

  it('lists a project’s keys, newest first, without secrets or hashes', async () => {
    const secret = generateWriteKey();
    await putWriteKey(t.ddb, t.tableName, {
      projectId: 'p',
      secret,
      name: 'server',
      now: new Date('2026-11-02T00:00:00Z'),
    });
    const list = await listWriteKeys(t.ddb, t.tableName, 'p');
    expect(list.map((k) => k.name)).toEqual(['server', 'web']);
    for (const k of list)
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'keyId', 'name', 'prefix', 'projectId']);
  });

  it("keeps a browser key's kind and origins, and the resolver grants them", async () => {
    const secret = generateWriteKey();
    const record = await putWriteKey(t.ddb, t.tableName, {
      projectId: 'b',
      secret,
      name: 'site',
      kind: 'browser',
      origins: ['https://www.example.com'],
      now: new Date('2026-11-03T00:00:00Z'),
    });
    expect(record).toMatchObject({ kind: 'browser', origins: ['https://www.example.com'] });
    expect(await listWriteKeys(t.ddb, t.tableName, 'b')).toEqual([record]);
    const resolver = new WriteKeyResolver(t.ddb, t.tableName, 0);
    expect(await resolver.grant(secret)).toEqual({
      projectId: 'b',
      kind: 'browser',
      origins: ['https://www.example.com'],
    });
    expect(await resolver.resolve(secret)).toBe('b');
  });

  it('stops resolving a revoked key once the cache entry expires (within a minute)', async () => {
    const secret = generateWriteKey();
    const { keyId } = await putWriteKey(t.ddb, t.tableName, {
      projectId: 'q',
      secret,
      name: 'k',
      now: new Date(),
    });
    let now = 0;
    const resolver = new WriteKeyResolver(t.ddb, t.tableName, 60_000, () => now);
    expect(await resolver.resolve(secret)).toBe('q');
    const revoked = await revokeWriteKey(t.ddb, t.tableName, {
      projectId: 'q',
      keyId,
      now: new Date('2026-11-03T00:00:00Z'),
    });
    expect(revoked.revokedAt).toBe('2026-11-03T00:00:00.000Z');
    now = 59_000;
    expect(await resolver.resolve(secret)).toBe('q');
    now = 60_001;
    expect(await resolver.resolve(secret)).toBeUndefined();
    expect((await listWriteKeys(t.ddb, t.tableName, 'q'))[0]?.revokedAt).toBe(
      '2026-11-03T00:00:00.000Z',
    );
  });

  it('refuses to revoke a key of another project', async () => {
    const secret = generateWriteKey();
    const { keyId } = await putWriteKey(t.ddb, t.tableName, {
      projectId: 'mine',
      secret,
      name: 'k',
      now: new Date(),
    });
    await expect(
      revokeWriteKey(t.ddb, t.tableName, { projectId: 'theirs', keyId, now: new Date() }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await new WriteKeyResolver(t.ddb, t.tableName, 0).resolve(secret)).toBe('mine');
  });
});
