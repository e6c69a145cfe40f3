/**
 * What a table stores, as DynamoDB bills it: each item's size by the developer guide's rules
 * ("Item sizes and formats") plus the 100 bytes of per-item overhead that storage is billed with.
 * Written by hand on the low-level attribute values (a dozen lines): dyno-item-size reads
 * document-client values and knows neither SDK v3's Uint8Array binaries nor its Sets, and it
 * leaves out the byte each list or map element costs.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** Billed per item on top of its size, for indexing. */
export const ITEM_OVERHEAD_BYTES = 100;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A number's size: about one byte per two significant digits, plus one. */
function numberBytes(n: string): number {
  const digits = n
    .replace(/e[+-]?\d+$/i, '')
    .replace(/^-/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.min(38, digits.length) / 2) + 1;
}

/** The size of one attribute value. */
export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((n, s) => n + utf8(s), 0);
  if (v.NS) return v.NS.reduce((n, s) => n + numberBytes(s), 0);
  if (v.BS) return v.BS.reduce((n, b) => n + b.byteLength, 0);
  // Lists and maps: 3 bytes, plus 1 per element, plus the elements (and, in a map, their names).
  if (v.L) return 3 + v.L.reduce((n, e) => n + 1 + valueBytes(e), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + utf8(k) + valueBytes(e), 0);
  throw new Error(`unknown attribute value ${JSON.stringify(Object.keys(v))}`);
}

/** The size of an item: its attribute names and values. */
export const itemBytes = (item: Record<string, AttributeValue>): number =>
  Object.entries(item).reduce((n, [k, v]) => n + utf8(k) + valueBytes(v), 0);

export interface StoredBytes {
  items: number;
  /** Item sizes plus the per-item overhead: what storage is billed on. */
  bytes: number;
}

/** Scans a whole table and sums what it stores, in the classes `classify` names. */
export async function storedBytes(
  client: DynamoDBClient,
  tableName: string,
  classify: (item: Record<string, AttributeValue>) => string,
): Promise<Record<string, StoredBytes>> {
  const out: Record<string, StoredBytes> = {};
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const kind = classify(item);
      const c = out[kind] ?? { items: 0, bytes: 0 };
      out[kind] = { items: c.items + 1, bytes: c.bytes + itemBytes(item) + ITEM_OVERHEAD_BYTES };
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** `after − before`, class by class (a class may shrink: the rollup deletes what it folds). */
export function storedDelta(
  before: Record<string, StoredBytes>,
  after: Record<string, StoredBytes>,
): Record<string, StoredBytes> {
  const out: Record<string, StoredBytes> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    out[k] = {
      items: (after[k]?.items ?? 0) - (before[k]?.items ?? 0),
      bytes: (after[k]?.bytes ?? 0) - (before[k]?.bytes ?? 0),
    };
  }
  return out;
}
