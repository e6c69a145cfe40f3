/**
 * Per-project settings (retention, the default rate limit of its write keys) on the project's
 * `META` item, and a write key's own rate limit on its two items. Readers cache them for a bounded
 * time, as write-key lookups are, so a change takes effect within that time.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { NotFoundError } from '../model/errors.ts';
import type { RateLimit } from '../model/limits.ts';
import { batchGet, keyString } from './dynamo.ts';
import { ensureProject } from './projects.ts';
import { TtlCache } from './ttl-cache.ts';

/** What an admin may set on a project; unset falls back to the deployment's configuration. */
export interface ProjectSettings {
  retentionDays?: number;
  rateLimit?: RateLimit;
}

const SETTINGS = 'settings';
const KEY_LIMIT = 'rateLimit';

function settingsOf(item: Record<string, unknown> | undefined): ProjectSettings {
  const s = item?.[SETTINGS];
  return s && typeof s === 'object' ? (s as ProjectSettings) : {};
}

/** A project's settings as stored (none for an unknown project). */
export async function readProjectSettings(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<ProjectSettings> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: keys.project(projectId), ConsistentRead: true }),
  );
  return settingsOf(Item);
}

/**
 * Sets (or, with `null`, clears) some of a project's settings, creating the project if needed;
 * returns them all.
 */
export async function updateProjectSettings(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  change: { [K in keyof ProjectSettings]?: ProjectSettings[K] | null },
): Promise<ProjectSettings> {
  await ensureProject(ddb, tableName, projectId, projectId);
  const Key = keys.project(projectId);
  // The map must exist before a member of it can be set.
  await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key,
      UpdateExpression: 'SET #s = if_not_exists(#s, :empty)',
      ExpressionAttributeNames: { '#s': SETTINGS },
      ExpressionAttributeValues: { ':empty': {} },
    }),
  );
  const entries = Object.entries(change).filter(([, v]) => v !== undefined);
  if (entries.length) {
    const set = entries.flatMap(([, v], i) => (v === null ? [] : [`#s.#k${i} = :v${i}`]));
    const remove = entries.flatMap(([, v], i) => (v === null ? [`#s.#k${i}`] : []));
    const values = Object.fromEntries(
      entries.flatMap(([, v], i) => (v === null ? [] : [[`:v${i}`, v]])),
    );
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key,
        UpdateExpression: [
          set.length ? `SET ${set.join(', ')}` : '',
          remove.length ? `REMOVE ${remove.join(', ')}` : '',
        ].join(' '),
        ExpressionAttributeNames: {
          '#s': SETTINGS,
          ...Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k])),
        },
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }
  return readProjectSettings(ddb, tableName, projectId);
}

/** Sets (or, with `null`, clears) a write key's own rate limit on both of its items. */
export async function setWriteKeyRateLimit(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  input: { projectId: string; keyId: string; rateLimit: RateLimit | null },
): Promise<Record<string, unknown>> {
  const listing = keys.projectWriteKey(input.projectId, input.keyId);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: listing, ConsistentRead: true }),
  );
  if (!Item || typeof Item.hash !== 'string') {
    throw new NotFoundError(`No write key ${input.keyId} in project ${input.projectId}`);
  }
  const update = input.rateLimit
    ? {
        UpdateExpression: 'SET #l = :l',
        ExpressionAttributeNames: { '#l': KEY_LIMIT },
        ExpressionAttributeValues: { ':l': input.rateLimit },
      }
    : { UpdateExpression: 'REMOVE #l', ExpressionAttributeNames: { '#l': KEY_LIMIT } };
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tableName, Key: listing, ...update } },
        { Update: { TableName: tableName, Key: keys.writeKeyByHash(Item.hash), ...update } },
      ],
    }),
  );
  const { hash: _hash, pk: _pk, sk: _sk, ...record } = Item;
  if (input.rateLimit) record[KEY_LIMIT] = input.rateLimit;
  else delete record[KEY_LIMIT];
  return record;
}

/**
 * The rate limit of a write key: its own, else its project's, else the deployment's default.
 * One BatchGet of the project item and the key's listing item per key per cache period.
 */
export class RateLimitResolver {
  private readonly cache: TtlCache<RateLimit>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly fallback: RateLimit,
    cacheMs: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(cacheMs, now);
  }

  limitOf(projectId: string, keyId: string): Promise<RateLimit> {
    return this.cache.get(`${projectId}\u0000${keyId}`, () => this.read(projectId, keyId));
  }

  private async read(projectId: string, keyId: string): Promise<RateLimit> {
    const project = keys.project(projectId);
    const key = keys.projectWriteKey(projectId, keyId);
    const found = await batchGet(this.ddb, this.tableName, [project, key], {
      projection: ['pk', 'sk', SETTINGS, KEY_LIMIT],
    });
    const own = found.get(keyString(key))?.[KEY_LIMIT] as RateLimit | undefined;
    return own ?? settingsOf(found.get(keyString(project))).rateLimit ?? this.fallback;
  }
}

/**
 * The retention of a project's newly stored events and facts: its own setting, else the
 * deployment's. One read of the project item per project per cache period.
 */
export class RetentionResolver {
  private readonly cache: TtlCache<number>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly fallback: number,
    cacheMs = 60_000,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(cacheMs, now);
  }

  daysOf(projectId: string): Promise<number> {
    return this.cache.get(projectId, () => this.read(projectId));
  }

  private async read(projectId: string): Promise<number> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.project(projectId),
        ProjectionExpression: '#s',
        ExpressionAttributeNames: { '#s': SETTINGS },
      }),
    );
    return settingsOf(Item).retentionDays ?? this.fallback;
  }
}
