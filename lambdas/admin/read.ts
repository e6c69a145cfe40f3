/**
 * Reading a range of days for a report: each day's rebuilt figures plus its live layer (see
 * store/day-store.ts), merged. A report's cost grows with the days it asks for, not with the
 * events.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageConfig } from '../contract/config/storage.ts';
import { keys } from '../contract/keys.ts';
import type { TallyEvent } from '../model/events.ts';
import { emptyParts, type Parts } from '../store/aggregate.ts';
import { COUNTER } from '../store/contributions.ts';
import { type DayView, type Need, readDay } from '../store/day-store.ts';
import { batchGet, keyString, mapLimit } from '../store/dynamo.ts';
import type { LogHit } from '../store/log-pages.ts';
import { mergeParts } from '../store/merge.ts';
import { fromRawItem, RAW } from '../store/raw-events.ts';

export interface ReportDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  storage: StorageConfig;
  now: () => number;
  /** Days already read in this request, shared by the reports it runs (see `dayMemo`). */
  days?: DayMemo;
}

/** Reads a day once per request, whichever report asks first. */
export interface DayMemo {
  read(deps: ReportDeps, projectId: string, day: string, need: Need): Promise<DayView>;
}

/**
 * A request's day memo: every day is read with `floor` added to what is asked, so reports that
 * ask the same days with different needs (the dashboard's overview, daily series and top users)
 * read each day once. Each caller gets its own copy, since reports merge into what they read.
 */
export function dayMemo(floor: Need = {}): DayMemo {
  const seen = new Map<string, Promise<DayView>>();
  return {
    read: async (deps, projectId, day, need) => {
      const merged: Need = { ...floor };
      for (const [k, on] of Object.entries(need)) if (on) merged[k as keyof Need] = true;
      const key = [
        projectId,
        day,
        ...Object.keys(merged)
          .filter((k) => merged[k as keyof Need])
          .sort(),
      ].join('|');
      let view = seen.get(key);
      if (!view) {
        view = readDay({ ddb: deps.ddb, tableName: deps.tableName }, projectId, day, merged);
        seen.set(key, view);
      }
      return structuredClone(await view);
    },
  };
}

export interface RangeView {
  days: DayView[];
  /** Everything merged. `counters.activeUsers` is left out: distinct users do not add up over days. */
  total: Parts;
}

/** Days read at once: enough to be quick, few enough not to throttle a small table. */
const DAY_CONCURRENCY = 8;

export async function readRange(
  deps: ReportDeps,
  projectId: string,
  days: string[],
  need: Need = {},
): Promise<RangeView> {
  const views = await mapLimit(days, DAY_CONCURRENCY, (day) =>
    deps.days
      ? deps.days.read(deps, projectId, day, need)
      : readDay({ ddb: deps.ddb, tableName: deps.tableName }, projectId, day, need),
  );
  const total = emptyParts();
  for (const v of views) mergeParts(total, v.parts);
  delete total.counters[COUNTER.activeUsers];
  return { days: views, total };
}

/**
 * The raw events of logged facts, in their order: one BatchGet (per 100) of the raw items their
 * ids imply, bodies only. An event whose raw item is gone (expired, or its user deleted) is
 * undefined.
 */
export async function readRawEvents(
  deps: ReportDeps,
  projectId: string,
  logged: LogHit[],
): Promise<(TallyEvent | undefined)[]> {
  const keyOf = (l: LogHit) => keys.rawEvent(projectId, l.fact.id, deps.storage.eventShards);
  const items = await batchGet(deps.ddb, deps.tableName, logged.map(keyOf), {
    projection: [RAW.body],
  });
  return logged.map((l) => {
    const item = items.get(keyString(keyOf(l)));
    // A tombstone (its user deleted) has no body.
    return item?.[RAW.body] ? fromRawItem(item) : undefined;
  });
}
