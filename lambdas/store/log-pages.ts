/**
 * The one reader that pages through the fact log, newest day first: the activity feed, the raw
 * event listing and message insights all page with it. A position is (day, the key to start
 * that day's query after, matching facts of that item already given): exact to the fact, so no
 * page repeats or skips one. The walk reads one fact beyond the page, so the next cursor is null
 * exactly when nothing more matches, and stops after a budget of reads, so a rare filter cannot
 * make one request read a whole period. Cursors are bound to the query (model/cursor.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { StorageConfig } from '../contract/config/storage.ts';
import { factLogPartition } from '../contract/keys.ts';
import { fingerprint, readCursor, writeCursor } from '../model/cursor.ts';
import { ValidationError } from '../model/errors.ts';
import { isIsoDay } from '../model/time.ts';
import { readFactPage } from './fact-log.ts';
import type { Fact } from './facts.ts';
import { daysActive } from './users.ts';

export interface LogDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  storage: Pick<StorageConfig, 'userShards'>;
}

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

const logPositionSchema = v.object({
  d: v.pipe(v.string(), v.check(isIsoDay)),
  s: v.nullable(v.object({ pk: v.string(), sk: v.string() })),
  o: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

/** A fact found in the log, with the day it was logged under. */
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

/**
 * The order of every page of the log: newest first, ties by messageId (descending), so a page
 * boundary never depends on sort stability. The exact reverse of the rollup's order.
 */
export function newestFirst(a: Fact, b: Fact): number {
  return b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Checks a position from a cursor against the request: its day in range, its key in the project. */
function checkPosition(p: LogPosition, projectId: string, days: readonly string[]): void {
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
  deps: Pick<LogDeps, 'ddb' | 'tableName'>,
  projectId: string,
  request: {
    days: string[];
    from: LogPosition | undefined;
    limit: number;
    match: (f: Fact) => boolean;
    budget?: number | undefined;
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

export interface LogPageRequest {
  /** The days of the range; a cursor's day must be one of them. */
  days: readonly string[];
  /**
   * What the page depends on besides the project (the report, its filters, its range): a cursor
   * given out for other values is refused with a 400.
   */
  query: readonly unknown[];
  cursor: string | undefined;
  limit: number;
  match: (f: Fact) => boolean;
  /** Only this actor's facts can match: only the days the actor was active on are read. */
  actor?: string | undefined;
  /** @default LOG_READ_BUDGET */
  budget?: number | undefined;
}

/** One page of matching facts, newest first, and the cursor of the next (null: nothing more). */
export async function readLogPage(
  deps: LogDeps,
  projectId: string,
  r: LogPageRequest,
): Promise<{ hits: LogHit[]; nextCursor: string | null }> {
  const q = fingerprint([projectId, ...r.query]);
  const from = readCursor(r.cursor, logPositionSchema, q);
  if (from) checkPosition(from, projectId, r.days);
  let days = [...r.days].reverse();
  if (r.actor !== undefined) {
    // A rare user's days are found by their markers, so the walk never reads the others.
    const active = await daysActive(deps, projectId, days, r.actor);
    days = days.filter((d) => active.has(d));
  }
  const { hits, next } = await walkLog(deps, projectId, {
    days,
    from,
    limit: r.limit,
    match: r.match,
    budget: r.budget,
  });
  return { hits, nextCursor: next ? writeCursor(next, q) : null };
}
