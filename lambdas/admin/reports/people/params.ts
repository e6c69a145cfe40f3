/** Query-string pieces of the people reports (their cursors are model/cursor.ts's). */
import * as v from 'valibot';
import { ValidationError } from '../../../model/errors.ts';

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
  userId: actorParam('Same as user_id; when both are sent they must name the same user'),
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
