/**
 * The logic of the seed services' routes (contract/route-table/compat.ts): the request is
 * rewritten into its target's (route key, path, path parameters, query names and values) and
 * answered by the target's own logic.
 */
import type { FieldMap, SeedField, ValueMap } from '../contract/route-table/compat.ts';
import { COMPAT_ROUTE_DEFS, type CompatRouteDef, routeKey } from '../contract/routes.ts';
import type { HttpEvent, HttpResult } from './json.ts';

/** As in router.ts, which imports this module. */
type RouteLogic = (event: HttpEvent) => Promise<HttpResult>;

/** 003's `period` as a Tally range; an hour is the smallest range Tally has (24h). */
const PERIODS: Record<string, string> = { hour: '24h', day: '24h', week: '7d', month: '30d' };

function convert(value: string, how: ValueMap | undefined): string {
  if (how === 'day') return /^\d{4}-\d{2}-\d{2}[T ]/.test(value) ? value.slice(0, 10) : value;
  if (how === 'period') return PERIODS[value.toLowerCase()] ?? value;
  return value;
}

/**
 * Seed query names as Tally's, values converted; a name Tally's own spelling also has is left
 * to Tally's. Other parameters pass as they are.
 */
export function seedQuery(
  raw: Record<string, string | undefined> | undefined,
  names: Readonly<Record<string, { to: string; value?: ValueMap }>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const alias = names[name];
    if (!alias) out[name] = value;
    else if (raw?.[alias.to] === undefined && value !== undefined) {
      out[alias.to] = convert(value, alias.value);
    }
  }
  return out;
}

function rewrite(def: CompatRouteDef, event: HttpEvent): HttpEvent {
  const { compat } = def;
  const [, targetPath = ''] = compat.target.split(' ');
  const pathParameters: Record<string, string> = {};
  for (const [name, spec] of Object.entries(compat.pathParameters ?? {})) {
    const from = /^\{(.+)\}$/.exec(spec)?.[1];
    pathParameters[name] = from ? (event.pathParameters?.[from] ?? '') : spec;
  }
  const rawPath = targetPath.replace(/\{([^}]+)\}/g, (_, n: string) =>
    encodeURIComponent(pathParameters[n] ?? ''),
  );
  const query = { ...seedQuery(event.queryStringParameters, compat.query ?? {}), ...compat.fixed };
  const defined = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined);
  const { queryStringParameters: _query, pathParameters: _path, ...base } = event;
  return {
    ...base,
    routeKey: compat.target,
    rawPath,
    rawQueryString: new URLSearchParams(defined).toString(),
    requestContext: {
      ...event.requestContext,
      routeKey: compat.target,
      http: { ...event.requestContext.http, path: rawPath },
    },
    ...(defined.length ? { queryStringParameters: Object.fromEntries(defined) } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const sourceOf = (spec: SeedField) => (typeof spec === 'string' ? spec : spec.from);

/** The objects a field map names in an answer. */
export function placesOf(body: unknown, at: string | undefined): Record<string, unknown>[] {
  const place = at === undefined ? body : isObject(body) ? body[at] : undefined;
  return (Array.isArray(place) ? place : [place]).filter(isObject);
}

/** The value a seed field has in an object: its Tally field's, in the seed's unit. */
export function seedValue(place: Record<string, unknown>, spec: SeedField): unknown {
  const value = place[sourceOf(spec)];
  return typeof spec !== 'string' && typeof value === 'number' ? value / 1000 : value;
}

/** An answer with the seed's field names added beside Tally's (compat rows' `fields`). */
export function withSeedFields(body: unknown, maps: readonly FieldMap[]): unknown {
  for (const map of maps) {
    for (const place of placesOf(body, map.at)) {
      for (const [name, spec] of Object.entries(map.fields)) {
        if (Object.hasOwn(place, sourceOf(spec))) place[name] = seedValue(place, spec);
      }
    }
  }
  return body;
}

/** A JSON answer of the target with the row's seed field names; anything else as it is. */
function seedAnswer(result: HttpResult, maps: readonly FieldMap[] | undefined): HttpResult {
  const type = String(result.headers?.['content-type'] ?? '');
  if (!maps || result.statusCode !== 200 || !type.startsWith('application/json')) return result;
  if (typeof result.body !== 'string') return result;
  return { ...result, body: JSON.stringify(withSeedFields(JSON.parse(result.body), maps)) };
}

/**
 * Logic for `fn`'s seed routes that have a target, from the target's logic. Those without one
 * are the admin function's (a 501 behind the admin checks: admin/routes.ts).
 */
export function compatLogic(
  fn: string,
  logic: Readonly<Record<string, RouteLogic>>,
): Record<string, RouteLogic> {
  const out: Record<string, RouteLogic> = {};
  for (const def of COMPAT_ROUTE_DEFS) {
    const target = logic[def.compat.target];
    if (def.fn !== fn || !def.targetRoute || !target) continue;
    out[routeKey(def)] = async (event) =>
      seedAnswer(await target(rewrite(def, event)), def.compat.fields);
  }
  return out;
}
