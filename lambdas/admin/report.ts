/**
 * How an admin endpoint is defined: its route key, a valibot schema of its query string (which
 * validates requests and generates the OpenAPI parameters), the logic, and for exports the rows
 * of its main table. Every endpoint is authenticated, needs the admin role and is scoped to one
 * project by `adminRoute`.
 */
import * as v from 'valibot';
import type { InsightsConfig, ModelPrice } from '../contract/config/admin.ts';
import type { HttpEvent, HttpResult } from '../http/json.ts';
import type { Principal, Verifier } from '../http/jwt.ts';
import type { Log } from '../http/logger.ts';
import { ValidationError } from '../model/errors.ts';
import { describeIssues } from '../model/issues.ts';
import { ISO_DAY_JSON, isIsoDay } from '../model/time.ts';

const DAY_EXPECTED = 'must be a real date, YYYY-MM-DD';

import { MAX_RANGE_DAYS, RANGES } from './range.ts';
import type { ReportDeps } from './read.ts';

export interface AdminDeps extends ReportDeps {
  /** The admin function's logger (the refresh endpoint's rollup logs through it). */
  log: Log;
  verify: Verifier;
  adminRole: string;
  /** Rollup settings, for the refresh endpoint. */
  rollup: { settleMs: number; nightlyDays: number };
  /** USD per million tokens, by model (config TALLY_TOKEN_PRICES). */
  tokenPrices: Readonly<Record<string, ModelPrice>>;
  insights: InsightsConfig;
}

/** The query string as API Gateway gives it. */
export type RawQuery = Record<string, string | undefined>;

export interface ReportRequest<Q> {
  deps: AdminDeps;
  projectId: string;
  query: Q;
  principal: Principal;
  event: HttpEvent;
}

export interface Report<Q = RawQuery> {
  /** `GET /api/v1/analytics/users/top`, as in the route table. */
  route: string;
  /** Validates the query string; its output is what `run` gets. */
  query: v.GenericSchema<unknown, Q>;
  /** Validates the path parameters (400 naming each); the OpenAPI document lists them. */
  path?: v.GenericSchema;
  /** The JSON request body the report reads, for the OpenAPI document. */
  body?: v.GenericSchema;
  /** What `run` answers: the OpenAPI document's response schema (output types). */
  response?: v.GenericSchema;
  /** Instead of `response`, for a report answering other media types than JSON: by type. */
  media?: Readonly<Record<string, v.GenericSchema>>;
  /** Statuses the report answers besides 2xx, 400, 401, 403 and 500, with when. */
  errors?: Partial<Record<'404' | '409' | '501', string>>;
  run(request: ReportRequest<Q>): Promise<unknown>;
  /**
   * The rows of the report's main table, for `export/csv`, from its answer and its validated
   * query (a report with several tables may let the query choose). Default: the body's scalar
   * fields.
   */
  rows?(body: never, query: never): Record<string, unknown>[];
  /** @default 200 */
  status?: number;
}

const RAW = Symbol.for('tally.rawResponse');

/** A report answer that is not JSON (a CSV export): passed through as is. */
export interface RawResponse {
  readonly [RAW]: true;
  readonly result: HttpResult;
}

export const rawResponse = (result: HttpResult): RawResponse => ({ [RAW]: true, result });

/** Branded by a registered symbol rather than a class, so it survives a module loaded twice. */
export const isRawResponse = (value: unknown): value is RawResponse =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RAW] === true;

/** Defines a report (an identity function that keeps `Q` inferred from the schema). */
export function report<Q>(r: Report<Q>): Report<Q> {
  return r;
}

// ---- query-string pieces, shared so every report spells a parameter the same way ----

/** Validates a query string (or path parameters) against `schema` (400 naming each problem). */
export function parseQuery<Q>(
  schema: v.GenericSchema<unknown, Q>,
  raw: RawQuery,
  what: 'query' | 'path' = 'query',
): Q {
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success)
    throw new ValidationError(`invalid ${what}: ${describeIssues(parsed.issues)}`);
  return parsed.output;
}

export const PROJECT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const projectParam = v.optional(
  v.pipe(
    v.string(),
    v.regex(PROJECT_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    v.description('Project (default: the token’s only project, else "default")'),
  ),
);

/** `range` or `from`/`to`: resolve them with `parseRange`. */
export const rangeParams = {
  range: v.optional(
    v.pipe(v.picklist(RANGES), v.description('Last 24 hours, or N days ending today (default 7d)')),
  ),
  from: v.optional(
    v.pipe(
      v.string(),
      v.check(isIsoDay, DAY_EXPECTED),
      v.metadata(ISO_DAY_JSON),
      v.description(
        `First day, UTC: not after \`to\` (default today), at most ${MAX_RANGE_DAYS} days before it`,
      ),
    ),
  ),
  to: v.optional(
    v.pipe(
      v.string(),
      v.check(isIsoDay, DAY_EXPECTED),
      v.metadata(ISO_DAY_JSON),
      v.description('Last day, UTC (default today; `from` when only `from` is given)'),
    ),
  ),
};

/**
 * A regular expression for the whole numbers 1..max (leading zeros allowed, as `Number` reads
 * them): the numbers with fewer digits than `max`, then those with as many, digit by digit.
 */
export function wholeNumberPattern(max: number): string {
  const digits = String(max);
  const n = digits.length;
  const parts: string[] = [];
  if (n > 1) parts.push(`[1-9]\\d{0,${n - 2}}`);
  for (let i = 0; i < n; i++) {
    const d = Number(digits[i]);
    const low = i === 0 ? 1 : 0;
    if (d > low) parts.push(`${digits.slice(0, i)}[${low}-${d - 1}]\\d{${n - i - 1}}`);
  }
  parts.push(digits);
  return `^0*(?:${parts.join('|')})$`;
}

/** A positive integer in a query string, with a default and a ceiling. */
export const intParam = (fallback: number, max: number, description: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      // The document's pattern: the numbers the checks below take (a string cannot say 1..max).
      v.metadata({ pattern: wholeNumberPattern(max) }),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(max),
      v.description(`${description} (default ${fallback}, at most ${max})`),
    ),
    String(fallback),
  );

export const limitParam = (fallback = 50, max = 500) => intParam(fallback, max, 'Items per page');

/** An opaque cursor from a previous page's `nextCursor`. */
export const cursorParam = v.optional(
  v.pipe(v.string(), v.maxLength(2048), v.description('`nextCursor` of the previous page')),
);

export const booleanParam = (description: string) =>
  v.optional(
    v.pipe(
      v.picklist(['true', 'false', '1', '0']),
      v.transform((s) => s === 'true' || s === '1'),
      v.description(description),
    ),
  );

export const textParam = (description: string, max = 256) =>
  v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(max), v.description(description)));
