/**
 * Users: the most active ones (`users/top`) and the list (`users/list`), either the users active
 * in a range (per-day user stats) or every known user (profile items).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { userPartition } from '../../../contract/keys.ts';
import { fingerprint, readCursor, writeCursor } from '../../../model/cursor.ts';
import { type Item, mapLimit } from '../../../store/dynamo.ts';
import { parseRange, type RangeOut, type ReportRange, rangeOut } from '../../range.ts';
import { type RangeView, type ReportDeps, readRange } from '../../read.ts';
import {
  booleanParam,
  cursorParam,
  limitParam,
  projectParam,
  rangeParams,
  report,
  textParam,
} from '../../report.ts';
import { type SegmentName, topUsersResponse, userListResponse } from '../../responses.ts';
import { segmentsOf } from '../product/segments.ts';
import { activeUserRows, byUtf8, pageAfter, rankUsers, type UserRow } from './compute.ts';

const TOP = 'GET /api/v1/analytics/users/top';
const LIST = 'GET /api/v1/analytics/users/list';

/** The range of the profile list's segments (it has no range of its own): user-segments' default. */
const PROFILE_SEGMENT_RANGE = '30d';

const segmentsParam = (over: string) =>
  booleanParam(
    `Each user's segment, by user-segments' rules over ${over} (default false; reads the period before it too)`,
  );

/** The rows with their users' segments (product/segments.ts `segmentsOf`). */
async function withSegments<R extends { userId: string }>(
  deps: ReportDeps,
  projectId: string,
  range: ReportRange,
  rows: R[],
  current?: RangeView,
): Promise<(R & { segment: SegmentName | null })[]> {
  const days = current?.days.map((d) => ({ day: d.day, users: d.parts.users }));
  const segments = await segmentsOf(
    deps,
    projectId,
    range,
    rows.map((r) => r.userId),
    days,
  );
  return rows.map((r) => ({ ...r, segment: segments.get(r.userId) ?? null }));
}

export interface TopUsersBody {
  project: string;
  range: RangeOut;
  /** Distinct users active in the range. */
  totalUsers: number;
  users: UserRow[];
}

export const topUsersReport = report({
  route: TOP,
  response: topUsersResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    limit: limitParam(10, 500),
    segments: segmentsParam('the range'),
  }),
  run: async ({ deps, projectId, query }): Promise<TopUsersBody> => {
    const range = parseRange(query, deps.now());
    const view = await readRange(deps, projectId, range.days, { users: true });
    const ranked = rankUsers(view.total.users);
    const users = ranked.slice(0, query.limit);
    return {
      project: projectId,
      range: rangeOut(range),
      totalUsers: ranked.length,
      users: query.segments ? await withSegments(deps, projectId, range, users, view) : users,
    };
  },
  rows: (body: TopUsersBody) => body.users as unknown as Record<string, unknown>[],
});

/** The first `n` profiles of one partition after `after` (sort key order). */
async function profilesAfter(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  after: string | undefined,
  n: number,
  match?: (userId: string) => boolean,
): Promise<Item[]> {
  const out: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: after === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(after === undefined ? {} : { ':after': after }),
        },
        // A search keeps only some of what it reads: read whole pages of profiles then.
        Limit: match ? SEARCH_PAGE : n - out.length,
        ExclusiveStartKey: start,
      }),
    );
    const items = res.Items ?? [];
    out.push(...(match ? items.filter((i) => match(i.sk as string)) : items));
    start = res.LastEvaluatedKey;
  } while (start && out.length < n);
  return out.slice(0, n);
}

/** Profiles read per request while searching. */
const SEARCH_PAGE = 500;

/** The search of the users list: userIds containing `q`, ignoring case. */
const searchOf = (q: string | undefined) => {
  const needle = q?.toLowerCase();
  return needle ? (userId: string) => userId.toLowerCase().includes(needle) : undefined;
};

export interface ProfileRow {
  /** The actor: a userId, or `anon:<anonymousId>`. */
  userId: string;
  /** Time of the user's first event ever. */
  firstSeen: string | null;
  traits: Record<string, unknown> | null;
}

/**
 * A page of every known user, by userId: each shard's first `limit + 1` profiles after the
 * cursor, merged. The global first `limit + 1` are among them, so the page is exact and `more`
 * says whether another page exists.
 */
export async function listProfiles(
  deps: ReportDeps,
  projectId: string,
  after: string | undefined,
  limit: number,
  match?: (userId: string) => boolean,
): Promise<{ profiles: ProfileRow[]; more: boolean }> {
  const shards = Array.from({ length: deps.storage.userShards }, (_, s) => s);
  const perShard = await mapLimit(shards, 8, (s) =>
    profilesAfter(deps.ddb, deps.tableName, userPartition(projectId, s), after, limit + 1, match),
  );
  const merged = perShard.flat().sort((a, b) => byUtf8(a.sk as string, b.sk as string));
  return {
    profiles: merged.slice(0, limit).map((i) => ({
      userId: i.sk as string,
      firstSeen: typeof i.firstSeen === 'string' ? i.firstSeen : null,
      traits:
        i.traits && typeof i.traits === 'object' ? (i.traits as Record<string, unknown>) : null,
    })),
    more: merged.length > limit,
  };
}

export interface UserListBody {
  project: string;
  activeOnly: boolean;
  /** The range, with active_only only. */
  range?: RangeOut;
  users: (UserRow | ProfileRow)[];
  nextCursor: string | null;
}

const afterUser = v.object({ a: v.string() });

export const userListReport = report({
  route: LIST,
  response: userListResponse,
  query: v.object({
    project: projectParam,
    active_only: booleanParam('Only users active in the range, with their stats (default false)'),
    ...rangeParams,
    limit: limitParam(50, 500),
    cursor: cursorParam,
    q: textParam('Only users whose userId contains this text, ignoring case', 200),
    segments: segmentsParam('the range with active_only, else the last 30 days'),
  }),
  run: async ({ deps, projectId, query }): Promise<UserListBody> => {
    const activeOnly = query.active_only ?? false;
    const q = fingerprint([
      LIST,
      projectId,
      activeOnly,
      query.q ?? '',
      ...(activeOnly ? [query.range, query.from, query.to] : []),
    ]);
    const match = searchOf(query.q);
    const after = readCursor(query.cursor, afterUser, q)?.a;
    const next = (more: boolean, last: { userId: string } | undefined) =>
      more && last ? writeCursor({ a: last.userId }, q) : null;

    if (!activeOnly) {
      const { profiles, more } = await listProfiles(deps, projectId, after, query.limit, match);
      const range = parseRange({ range: PROFILE_SEGMENT_RANGE }, deps.now());
      return {
        project: projectId,
        activeOnly,
        users: query.segments ? await withSegments(deps, projectId, range, profiles) : profiles,
        nextCursor: next(more, profiles.at(-1)),
      };
    }
    const range = parseRange(query, deps.now());
    const view = await readRange(deps, projectId, range.days, { users: true });
    const all = activeUserRows(view.total.users);
    const rows = match ? all.filter((r) => match(r.userId)) : all;
    const { items, more } = pageAfter(
      rows,
      query.limit,
      after === undefined ? undefined : (r) => byUtf8(r.userId, after) > 0,
    );
    return {
      project: projectId,
      activeOnly,
      range: rangeOut(range),
      users: query.segments ? await withSegments(deps, projectId, range, items, view) : items,
      nextCursor: next(more, items.at(-1)),
    };
  },
  rows: (body: UserListBody) => body.users as unknown as Record<string, unknown>[],
});
