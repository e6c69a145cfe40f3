/**
 * Query-string pieces and cursors of the people reports. A cursor carries its page state and a
 * fingerprint of the query that produced it, so a cursor edited by hand or replayed on another
 * query (another project, filter or range) is refused with a 400 instead of paging wrongly.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { ValidationError } from '../../../model/errors.ts';
import { decodeCursor, encodeCursor } from '../../report.ts';

/** Longest id the reports accept: facts keep at most 200 characters of any id or name. */
export const MAX_ID = 256;

const actorParam = (description: string) =>
  v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID), v.description(description)));

/**
 * `user_id` (the seeds' spelling) and `userId` (Segment's), both accepted. The value is an actor:
 * a userId, or `anon:<anonymousId>` for an anonymous visitor.
 */
export const userParams = {
  user_id: actorParam('Only this user: a userId, or anon:<anonymousId>'),
  userId: actorParam('Same as user_id'),
};

type UserQuery = { user_id?: string | undefined; userId?: string | undefined };

/** Refuses `user_id` and `userId` naming two different users (a pipe item of the query schema). */
export const oneUser = <T extends UserQuery>() =>
  v.check<T, string>(
    (q) => q.user_id === undefined || q.userId === undefined || q.user_id === q.userId,
    'user_id and userId name different users; send one of them',
  );

/** The actor a request filters on, from either spelling. */
export const userFilterOf = (q: UserQuery) => q.user_id ?? q.userId;

/** A path parameter: validated like a query parameter, 400 naming it. */
export function pathParam(value: string | undefined, name: string): string {
  const parsed = v.safeParse(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID)), value);
  if (!parsed.success) throw new ValidationError(`${name}: must be 1-${MAX_ID} characters`);
  return parsed.output;
}

/** A short digest of what a list depends on; a cursor is valid only for the same digest. */
export function fingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

/** The cursor for `state`, bound to the query fingerprint `q`. */
export const writeCursor = (state: unknown, q: string): string => encodeCursor({ q, s: state });

/** The state of a cursor given out for query `q`, validated by `schema`; 400 for any other. */
export function readCursor<T>(
  raw: string | undefined,
  schema: v.GenericSchema<unknown, T>,
  q: string,
): T | undefined {
  const decoded = decodeCursor<unknown>(raw);
  if (decoded === undefined) return undefined;
  const parsed = v.safeParse(v.object({ q: v.string(), s: schema }), decoded);
  if (!parsed.success) throw new ValidationError('cursor: not one this API gave out');
  if (parsed.output.q !== q) {
    throw new ValidationError('cursor: it belongs to another query (project, filters or range)');
  }
  return parsed.output.s;
}
