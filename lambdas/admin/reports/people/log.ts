/**
 * Paging through the fact log, newest day first, for the activity feed and the raw event listing.
 * A position is (day, the key to start that day's query after, facts of that item already given):
 * exact to the fact, so no page repeats or skips one. The walk reads one fact beyond the page, so
 * `next` is null exactly when nothing more matches, and stops after a budget of reads so a
 * rare filter cannot make one request read a whole period.
 */
import * as v from 'valibot';
import { factLogPartition, keys } from '../../../contract/keys.ts';
import { ValidationError } from '../../../model/errors.ts';
import { ISO_DAY } from '../../../model/time.ts';
import { batchGet, keyString } from '../../../store/dynamo.ts';
import { readFactPage } from '../../../store/fact-log.ts';
import type { Fact } from '../../../store/facts.ts';
import type { ReportDeps } from '../../read.ts';
import { newestFirst } from './compute.ts';

/** A log item's key (a type alias, not an interface: it is passed as an ExclusiveStartKey). */
type LogKey = { pk: string; sk: string };

export interface LogPosition {
  /** The day being read. */
  d: string;
  /** ExclusiveStartKey that makes the current log item the first of the day's query. */
  s: LogKey | null;
  /** Matching facts of that item already given out. */
  o: number;
}

export const logPositionSchema = v.object({
  d: v.pipe(v.string(), v.regex(ISO_DAY)),
  s: v.nullable(v.object({ pk: v.string(), sk: v.string() })),
  o: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export interface LogHit {
  day: string;
  fact: Fact;
}

/**
 * Reads per request at most (a log item, or an empty query of a day without more); past it the
 * page ends early with a cursor.
 */
export const LOG_READ_BUDGET = 200;
/** Log items per Query: items hold one ingest invocation's facts each, so a few go a long way. */
const ITEMS_PER_QUERY = 10;

/** The days of `days` on which `actor` was active: one BatchGet of the user-day markers. */
export async function daysWithActor(
  deps: ReportDeps,
  projectId: string,
  days: string[],
  actor: string,
): Promise<Set<string>> {
  const markerOf = (day: string) => keys.userDay(projectId, day, actor, deps.storage.userShards);
  const found = await batchGet(deps.ddb, deps.tableName, days.map(markerOf), { projection: [] });
  return new Set(days.filter((d) => found.has(keyString(markerOf(d)))));
}

/** Checks a position from a cursor against the request: its day in range, its key in the project. */
export function checkPosition(p: LogPosition, projectId: string, days: string[]): void {
  if (!days.includes(p.d)) throw new ValidationError('cursor: its day is outside the range');
  if (p.s && p.s.pk !== factLogPartition(projectId, p.d)) {
    throw new ValidationError('cursor: not one this API gave out');
  }
}

/**
 * Up to `limit` facts matching `match`, newest day first, from `from` on (`days` newest first,
 * already narrowed to the days worth reading), and the position after them.
 */
export async function walkLog(
  deps: ReportDeps,
  projectId: string,
  request: {
    days: string[];
    from: LogPosition | undefined;
    limit: number;
    match: (f: Fact) => boolean;
    budget?: number;
  },
): Promise<{ hits: LogHit[]; next: LogPosition | null }> {
  const { from, limit, match } = request;
  const budget = request.budget ?? LOG_READ_BUDGET;
  // Days are newest first: resume at the cursor's day, or the first older one still to read.
  const days = from ? request.days.filter((d) => d <= from.d) : request.days;
  const hits: LogHit[] = [];
  let read = 0;
  for (const day of days) {
    const resume = from && day === from.d ? from : undefined;
    let start: LogKey | null = resume?.s ?? null;
    let skip = resume?.o ?? 0;
    let more = true;
    while (more) {
      if (read >= budget) return { hits, next: { d: day, s: start, o: skip } };
      const page = await readFactPage(
        deps.ddb,
        deps.tableName,
        projectId,
        day,
        Math.min(ITEMS_PER_QUERY, budget - read),
        start ?? undefined,
      );
      read += Math.max(1, page.facts.length);
      for (const [j, facts] of page.facts.entries()) {
        const matching = facts.filter(match).sort(newestFirst);
        for (let k = skip; k < matching.length; k++) {
          // The fact after the page: it exists, so there is a next page, and it starts here.
          if (hits.length === limit) return { hits, next: { d: day, s: start, o: k } };
          hits.push({ day, fact: matching[k] as Fact });
        }
        skip = 0;
        const key = page.keys[j];
        start = { pk: String(key?.pk), sk: String(key?.sk) };
      }
      more = page.next !== undefined;
    }
  }
  return { hits, next: null };
}
