/**
 * The daily salt of cookieless visitor ids, as Plausible keeps it: 32 random bytes per UTC day,
 * made by the first track function that needs the day's (a conditional put: every container gets
 * the same one), kept only for that day. The item expires an hour after its day ends (DynamoDB's
 * TTL), and the rollup deletes past days' items outright (`deletePastSalts`), so no stored salt
 * can re-link a past day's visitors. A container keeps the day's salt in memory.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { isConditionFailed, queryAll } from './dynamo.ts';

const DAY_SECONDS = 86_400;

export class DailySalts {
  private day = '';
  private salt: Promise<Buffer> | undefined;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The salt of `day` (YYYY-MM-DD, UTC). */
  of(day: string): Promise<Buffer> {
    if (day !== this.day || !this.salt) {
      this.day = day;
      this.salt = this.load(day).catch((error) => {
        this.salt = undefined;
        throw error;
      });
    }
    return this.salt;
  }

  private async load(day: string): Promise<Buffer> {
    const Key = keys.visitorSalt(day);
    const read = async () =>
      (
        await this.ddb.send(
          new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
        )
      ).Item?.salt as Uint8Array | undefined;
    const found = await read();
    if (found) return Buffer.from(found);
    const salt = randomBytes(32);
    const endOfDay = Date.parse(`${day}T00:00:00Z`) / 1000 + DAY_SECONDS;
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...Key, salt, [TABLE.ttlAttribute]: endOfDay + 3600 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return salt;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Another container made the day's salt first: use that one.
      const winner = await read();
      if (!winner) throw error;
      return Buffer.from(winner);
    }
  }
}

/** Deletes the salts of days before `today`; how many there were. */
export async function deletePastSalts(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  today: string,
): Promise<number> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk < :today',
    ExpressionAttributeValues: { ':pk': keys.visitorSalt(today).pk, ':today': today },
    ProjectionExpression: 'pk, sk',
  });
  for (const item of items) {
    await ddb.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
  }
  return items.length;
}
