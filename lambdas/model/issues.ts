/** Validation issues as people read them, for every schema (input, query strings, config). */
import * as v from 'valibot';

/** Turns issues into one readable line: `event: Invalid type…; userId: …`. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((i) => {
      const path = v.getDotPath(i);
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}
