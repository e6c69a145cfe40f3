/**
 * `GET /api/v1/analytics/export/{json|csv}?report=<report path>&…`: any report, with its own
 * parameters, as a download. CSV holds the report's main table (its `rows`), flattened, in UTF-8
 * with a byte-order mark so spreadsheets read accents right, and with formula-like cells defused.
 */
import { stringify } from 'csv-stringify/sync';
import * as v from 'valibot';
import type { RouteDef } from '../../contract/route-def.ts';
import { matchRoute, routeKey } from '../../contract/routes.ts';
import { json } from '../../http/json.ts';
import { NotFoundError, ValidationError } from '../../model/errors.ts';
import { projectParam, type Report, rawResponse, report } from '../report.ts';
import { exportMedia } from '../responses.ts';

const PREFIX = '/api/v1/analytics/';

/** Any GET report but the export itself. */
const exportable = (route: RouteDef) =>
  route.path.startsWith(PREFIX) && !route.path.includes('/export/');

/** The report at `path` (relative to the analytics prefix), matched as API Gateway would. */
function matchReport(reports: Report<unknown>[], path: string) {
  const match = matchRoute('GET', PREFIX + path, exportable);
  const report = match && reports.find((r) => r.route === routeKey(match.route));
  return report && { report, params: match.pathParameters };
}

/** Flattens nested objects into `a.b` columns; arrays become `;`-joined text. */
function flatten(row: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const [k, value] of Object.entries(row)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(value))
      out[key] = value
        .map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x)))
        .join(';');
    else if (value && typeof value === 'object')
      flatten(value as Record<string, unknown>, key, out);
    else out[key] = value;
  }
  return out;
}

/** The rows of a body without its own `rows`: its one list, else the body as one row. */
function defaultRows(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (!body || typeof body !== 'object') return [{ value: body }];
  const lists = Object.values(body).filter(Array.isArray);
  return lists.length === 1
    ? (lists[0] as Record<string, unknown>[])
    : [body as Record<string, unknown>];
}

/** A cell a spreadsheet would run as a formula gets a leading quote (CSV injection). */
const defuse = (cell: unknown) =>
  typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;

export function toCsv(rows: Record<string, unknown>[]): string {
  const flat = rows.map((r) => flatten(r));
  const columns = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  const records = flat.map((r) => columns.map((c) => defuse(r[c] ?? '')));
  return `\uFEFF${stringify([columns, ...records])}`;
}

export const exportReport = (reports: () => Report<unknown>[]) =>
  report({
    route: 'GET /api/v1/analytics/export/{format}',
    media: exportMedia,
    query: v.looseObject({
      report: v.pipe(
        v.string(),
        v.regex(/^[a-z0-9/_.-]+$/i, 'must be a report path such as users/top'),
        v.description('The report to export, e.g. users/top; its own parameters go alongside'),
      ),
      project: projectParam,
    }),
    path: v.object({
      format: v.pipe(v.picklist(['json', 'csv']), v.description('json, or csv (the main table)')),
    }),
    errors: { '404': 'No report at that path' },
    run: async (request) => {
      const format = request.event.pathParameters?.format;
      const { report: path, ...rest } = request.query as { report: string } & Record<
        string,
        string
      >;
      const found = matchReport(reports(), path);
      if (!found) throw new NotFoundError(`No report ${path}`);
      const inner = v.safeParse(found.report.query, rest);
      if (!inner.success)
        throw new ValidationError(
          `invalid query for ${path}: ${inner.issues.map((i) => i.message).join('; ')}`,
        );
      const body = await found.report.run({
        ...request,
        query: inner.output,
        event: {
          ...request.event,
          pathParameters: { ...request.event.pathParameters, ...found.params },
        },
      });
      const day = new Date(request.deps.now()).toISOString().slice(0, 10);
      const filename = `tally-${path.replace(/\//g, '-')}-${request.projectId}-${day}.${format}`;
      const disposition = { 'content-disposition': `attachment; filename="${filename}"` };
      if (format === 'json') return rawResponse(json(200, body, disposition));
      const rows = found.report.rows
        ? found.report.rows(body as never, inner.output as never)
        : defaultRows(body);
      return rawResponse({
        statusCode: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', ...disposition },
        body: toCsv(rows),
      });
    },
  });
