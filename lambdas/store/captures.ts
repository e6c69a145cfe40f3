/**
 * Which event properties ingest keeps in facts (docs/data-model.md "Event properties"): those the
 * project's feature filters, funnel step filters and funnel breakdowns name. Read from the
 * declarations (two Queries), cached per project like the retention setting.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFeatures } from './features.ts';
import { propertyUses, readFunnels } from './funnels.ts';
import { type Capture, captureOf } from './properties.ts';
import { TtlCache } from './ttl-cache.ts';

/** The properties the project's declarations name, per event: two Queries. */
export async function readCapture(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<Capture> {
  const [{ features }, funnels] = await Promise.all([
    readFeatures(ddb, tableName, projectId),
    readFunnels(ddb, tableName, projectId),
  ]);
  return captureOf([
    ...features.flatMap((f) => (f.filter ? [{ event: f.event, property: f.filter.property }] : [])),
    ...funnels.flatMap(propertyUses),
  ]);
}

/**
 * The capture of each project, read at most once per `cacheMs` per container: a declaration
 * applies to events counted from at most that long after it (a report names the days it could
 * not cover).
 */
export class CaptureResolver {
  private readonly cache: TtlCache<Capture>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    cacheMs = 60_000,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(cacheMs, now);
  }

  of(projectId: string): Promise<Capture> {
    return this.cache.get(projectId, () => readCapture(this.ddb, this.tableName, projectId));
  }
}
