/**
 * Project write keys. Only a SHA-256 of the secret is stored; the secret is shown once, when the
 * key is created. Lookups are cached for a bounded time, so a revocation takes effect within it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { NotFoundError } from '../model/errors.ts';
import { queryAll } from './dynamo.ts';
import { TtlCache } from './ttl-cache.ts';

export const WRITE_KEY_PREFIX = 'tk_';

export function hashWriteKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The public id of a key: the start of its secret's hash. */
export const keyIdOf = (secret: string) => hashWriteKey(secret).slice(0, 16);

/** A new secret: `tk_` and 32 random bytes, base64url. */
export function generateWriteKey(): string {
  return WRITE_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** `browser`: public by nature, so it may only send page and track calls (docs/tracking.md). */
export type WriteKeyKind = 'server' | 'browser';

export interface WriteKeyRecord {
  keyId: string;
  projectId: string;
  /** The first characters of the secret, enough to recognise it in a list. */
  prefix: string;
  name: string;
  /** @default 'server' */
  kind?: WriteKeyKind;
  /** The only origins (`Origin` header) it is accepted from; absent for any. */
  origins?: string[];
  createdAt: string;
  revokedAt?: string;
}

/** What a secret grants its caller: the project, and the key's limits. */
export interface WriteKeyGrant {
  projectId: string;
  kind?: WriteKeyKind | undefined;
  origins?: readonly string[] | undefined;
}

/** Stores a new key: the lookup item (by hash) and the project's listing item, atomically. */
export async function putWriteKey(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  input: {
    projectId: string;
    secret: string;
    name: string;
    now: Date;
    kind?: WriteKeyKind | undefined;
    origins?: readonly string[] | undefined;
  },
): Promise<WriteKeyRecord> {
  const hash = hashWriteKey(input.secret);
  const record: WriteKeyRecord = {
    keyId: keyIdOf(input.secret),
    projectId: input.projectId,
    prefix: input.secret.slice(0, WRITE_KEY_PREFIX.length + 6),
    name: input.name,
    ...(input.kind === 'browser' ? { kind: input.kind } : {}),
    ...(input.origins?.length ? { origins: [...input.origins] } : {}),
    createdAt: input.now.toISOString(),
  };
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.writeKeyByHash(hash), ...record },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.projectWriteKey(input.projectId, record.keyId), ...record, hash },
          },
        },
      ],
    }),
  );
  return record;
}

const RECORD_FIELDS = [
  'keyId',
  'projectId',
  'prefix',
  'name',
  'kind',
  'origins',
  'createdAt',
  'revokedAt',
] as const;

function toRecord(item: Record<string, unknown>): WriteKeyRecord {
  const out: Record<string, unknown> = {};
  for (const f of RECORD_FIELDS) if (item[f] !== undefined) out[f] = item[f];
  return out as unknown as WriteKeyRecord;
}

/** A project's keys, newest first, without secrets or hashes. */
export async function listWriteKeys(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<WriteKeyRecord[]> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':sk': 'WK#' },
  });
  return items.map(toRecord).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Revokes a key: both items get `revokedAt`; lookups refuse it once their cache expires. */
export async function revokeWriteKey(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  input: { projectId: string; keyId: string; now: Date },
): Promise<WriteKeyRecord> {
  const listing = keys.projectWriteKey(input.projectId, input.keyId);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: listing, ConsistentRead: true }),
  );
  if (!Item || typeof Item.hash !== 'string') {
    throw new NotFoundError(`No write key ${input.keyId} in project ${input.projectId}`);
  }
  if (Item.revokedAt) return toRecord(Item);
  const revokedAt = input.now.toISOString();
  const update = {
    TableName: tableName,
    UpdateExpression: 'SET revokedAt = :t',
    ExpressionAttributeValues: { ':t': revokedAt },
  };
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { ...update, Key: listing } },
        { Update: { ...update, Key: keys.writeKeyByHash(Item.hash) } },
      ],
    }),
  );
  return toRecord({ ...Item, revokedAt });
}

/** Resolves a write-key secret to its project, or undefined for an unknown or revoked key. */
export class WriteKeyResolver {
  private readonly cache: TtlCache<WriteKeyGrant | undefined>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    cacheMs: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(cacheMs, now);
  }

  async resolve(secret: string): Promise<string | undefined> {
    return (await this.grant(secret))?.projectId;
  }

  /** The project and the key's limits (kind, origins), or undefined. */
  grant(secret: string): Promise<WriteKeyGrant | undefined> {
    const hash = hashWriteKey(secret);
    return this.cache.get(hash, () => this.read(hash));
  }

  private async read(hash: string): Promise<WriteKeyGrant | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.writeKeyByHash(hash) }),
    );
    return Item && !Item.revokedAt && typeof Item.projectId === 'string'
      ? {
          projectId: Item.projectId,
          kind: Item.kind === 'browser' ? 'browser' : undefined,
          origins: Array.isArray(Item.origins) ? (Item.origins as string[]) : undefined,
        }
      : undefined;
  }
}
