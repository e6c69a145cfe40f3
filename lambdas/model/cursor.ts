/**
 * Page cursors, the one format every paged report gives out: base64url JSON of the page's
 * position and a digest of the query that produced it. A cursor edited by hand, or replayed on
 * another query (another project, filter or range), is refused with a 400 instead of paging
 * wrongly.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { ValidationError } from './errors.ts';

/** A short digest of what a list depends on; a cursor is valid only for the same digest. */
export function fingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

/** The cursor for position `state`, bound to the query fingerprint `q`. */
export const writeCursor = (state: unknown, q: string): string =>
  Buffer.from(JSON.stringify({ q, s: state })).toString('base64url');

/** The position of a cursor given out for query `q`, validated by `schema`; 400 for any other. */
export function readCursor<T>(
  raw: string | undefined,
  schema: v.GenericSchema<unknown, T>,
  q: string,
): T | undefined {
  if (!raw) return undefined;
  const refused = () => new ValidationError('cursor: not one this API gave out');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  const parsed = v.safeParse(v.object({ q: v.string(), s: schema }), decoded);
  if (!parsed.success) throw refused();
  if (parsed.output.q !== q) {
    throw new ValidationError('cursor: it belongs to another query (project, filters or range)');
  }
  return parsed.output.s;
}
