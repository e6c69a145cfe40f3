/**
 * Property filters and breakdowns (docs/data-model.md "Event properties"): which properties of
 * which events a fact keeps (the ones the project's feature and funnel declarations name), how a
 * day's per-user map keeps their values, and how a filter is evaluated over that map. Only
 * declared properties are kept, so a fact stays small and the map grows with the declarations,
 * never with what clients send.
 */
import * as v from 'valibot';
import { own, setOwn } from '../model/records.ts';

/** A kept property value: a top-level scalar, or null for "not set" (absent, null or not a scalar). */
export type PropertyValue = string | number | boolean | null;

/** Longest string value kept; a longer one is kept as its first MAX_PROPERTY_TEXT characters and "…". */
export const MAX_PROPERTY_TEXT = 200;

/** Distinct values a user-day keeps per event and property (the smallest, by their JSON text). */
export const MAX_USER_VALUES = 20;

/** The map key of the values past MAX_USER_VALUES (never the JSON of a value). */
export const OVERFLOW_KEY = '*';
/** The map key of events without the property. */
export const UNSET_KEY = 'null';

/** Keys tracking refuses in events (model/limits.ts): no event carries such a property. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export const PROPERTY_OPERATORS = [
  'equals',
  'not_equals',
  'is_set',
  'is_not_set',
  'gt',
  'lt',
] as const;
export type PropertyOperator = (typeof PROPERTY_OPERATORS)[number];

export const propertyNameSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(200, 'must be at most 200 characters'),
  v.check((s) => !FORBIDDEN.has(s), 'is a name tracking refuses in events'),
  v.description('A top-level property of the event'),
);

const scalarSchema = v.union(
  [
    v.pipe(v.string(), v.maxLength(MAX_PROPERTY_TEXT, 'must be at most 200 characters')),
    v.pipe(v.number(), v.finite()),
    v.boolean(),
  ],
  'must be a string, a number or a boolean',
);

const OPERATORS_EXPECTED = `must be one of ${PROPERTY_OPERATORS.join(', ')}`;

/** One shape per kind of operator, so the document states which take a value (and which kind). */
export const propertyFilterSchema = v.pipe(
  v.variant(
    'operator',
    [
      v.strictObject({
        property: propertyNameSchema,
        operator: v.pipe(
          v.picklist(['equals', 'not_equals'], OPERATORS_EXPECTED),
          v.description(
            'The value, or one of the listed values (not_equals: none of them, or unset)',
          ),
        ),
        value: v.union(
          [scalarSchema, v.pipe(v.array(scalarSchema), v.minLength(1), v.maxLength(20))],
          'must be a string, a number, a boolean or a list of 1-20 of them',
        ),
      }),
      v.strictObject({
        property: propertyNameSchema,
        operator: v.pipe(
          v.picklist(['gt', 'lt'], OPERATORS_EXPECTED),
          v.description('A number above (gt) or below (lt) the value'),
        ),
        value: v.pipe(v.number('must be a number for gt and lt'), v.finite()),
      }),
      v.strictObject({
        property: propertyNameSchema,
        operator: v.pipe(
          v.picklist(['is_set', 'is_not_set'], OPERATORS_EXPECTED),
          v.description('The property is a string, a number or a boolean (is_set), or is not'),
        ),
      }),
    ],
    OPERATORS_EXPECTED,
  ),
  v.description('Only the events whose property passes: { property, operator, value }'),
);
export type PropertyFilter = v.InferOutput<typeof propertyFilterSchema>;

/** Per event name, the properties its facts keep. */
export type Capture = ReadonlyMap<string, readonly string[]>;

/** The capture the declarations imply: each (event, property) a filter or breakdown names. */
export function captureOf(uses: Iterable<{ event: string; property: string }>): Capture {
  const out = new Map<string, string[]>();
  for (const { event, property } of uses) {
    const list = out.get(event) ?? [];
    if (!list.includes(property)) list.push(property);
    out.set(event, list);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** A property's value as a fact keeps it. */
export function keptValue(value: unknown): PropertyValue {
  if (typeof value === 'string') {
    return value.length > MAX_PROPERTY_TEXT ? `${value.slice(0, MAX_PROPERTY_TEXT)}…` : value;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  return null;
}

/** The kept values of `names` among an event's properties (null when not set). */
export function keptProperties(
  properties: Record<string, unknown>,
  names: readonly string[],
): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  for (const name of names) {
    setOwn(out, name, keptValue(Object.hasOwn(properties, name) ? properties[name] : undefined));
  }
  return out;
}

export { own, setOwn };

/** Count, first and last time (epoch ms) of the events with one value on a user-day. */
export type ValueStats = [number, number, number];
/** Per value key (its JSON, UNSET_KEY or OVERFLOW_KEY). */
export type ValueMap = Record<string, ValueStats>;
/** Per event name, per kept property. */
export type PropertyMap = Record<string, Record<string, ValueMap>>;

const mergeStats = (a: ValueStats | undefined, b: ValueStats): ValueStats =>
  a ? [a[0] + b[0], Math.min(a[1], b[1]), Math.max(a[2], b[2])] : [b[0], b[1], b[2]];

/**
 * Keeps the MAX_USER_VALUES smallest value keys and folds the others into OVERFLOW_KEY. The
 * smallest of a union are the smallest of the smallest of each part, so capping each part
 * then their merge gives what capping all at once does: live, compacted and rebuilt agree.
 */
function capValues(m: ValueMap): ValueMap {
  const keys = Object.keys(m).filter((k) => k !== UNSET_KEY && k !== OVERFLOW_KEY);
  if (keys.length <= MAX_USER_VALUES) return m;
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys.slice(MAX_USER_VALUES)) {
    setOwn(m, OVERFLOW_KEY, mergeStats(own(m, OVERFLOW_KEY), m[k] as ValueStats));
    delete m[k];
  }
  return m;
}

/** Adds one event's kept properties to a user-day's map (in place). */
export function addProperties(
  into: PropertyMap,
  event: string,
  props: Record<string, PropertyValue>,
  time: number,
): void {
  let perProp = own(into, event);
  if (!perProp) {
    perProp = {};
    setOwn(into, event, perProp);
  }
  for (const [prop, value] of Object.entries(props)) {
    let values = own(perProp, prop);
    if (!values) {
      values = {};
      setOwn(perProp, prop, values);
    }
    const key = JSON.stringify(value);
    setOwn(values, key, mergeStats(own(values, key), [1, time, time]));
    capValues(values);
  }
}

/** The union of two users' (or layers') property maps, as a new map. */
export function mergeProperties(
  a: PropertyMap | undefined,
  b: PropertyMap | undefined,
): PropertyMap | undefined {
  if (!a && !b) return undefined;
  const out: PropertyMap = {};
  for (const side of [a, b]) {
    for (const [event, perProp] of Object.entries(side ?? {})) {
      let target = own(out, event);
      if (!target) {
        target = {};
        setOwn(out, event, target);
      }
      for (const [prop, values] of Object.entries(perProp)) {
        const into = { ...(own(target, prop) ?? {}) };
        for (const [k, s] of Object.entries(values)) setOwn(into, k, mergeStats(own(into, k), s));
        setOwn(target, prop, capValues(into));
      }
    }
  }
  return out;
}

/** The value a key stands for (OVERFLOW_KEY has none). */
export const valueOfKey = (key: string): PropertyValue => JSON.parse(key) as PropertyValue;

/** Whether a known value passes a filter. */
export function passes(filter: PropertyFilter, value: PropertyValue): boolean {
  const wanted = 'value' in filter ? filter.value : undefined;
  const list = Array.isArray(wanted) ? wanted : [wanted];
  switch (filter.operator) {
    case 'equals':
      return value !== null && list.includes(value);
    case 'not_equals':
      return value === null || !list.includes(value);
    case 'is_set':
      return value !== null;
    case 'is_not_set':
      return value === null;
    case 'gt':
      return typeof value === 'number' && value > filter.value;
    case 'lt':
      return typeof value === 'number' && value < filter.value;
  }
}

/** What a user-day holds of one event under a filter. */
export interface Matched {
  /** Events known to pass. */
  count: number;
  /** The first and last time of each passing value (the times the map keeps). */
  times: number[];
  /** Events whose value is not known here: not kept by their fact, or past the user-day's cap. */
  unknown: number;
}

/** The events of `event` a user-day map holds that pass `filter` (all of them without one). */
export function matchEvents(
  u: {
    names?: Record<string, number>;
    firstAt?: Record<string, number>;
    lastAt?: Record<string, number>;
    props?: PropertyMap;
  },
  event: string,
  filter: PropertyFilter | undefined,
): Matched {
  const total = own(u.names, event) ?? 0;
  if (!total) return { count: 0, times: [], unknown: 0 };
  if (!filter) {
    const times: number[] = [];
    const first = own(u.firstAt, event);
    const last = own(u.lastAt, event);
    if (first !== undefined) times.push(first);
    if (last !== undefined && last !== first) times.push(last);
    return { count: total, times, unknown: 0 };
  }
  const values = own(own(u.props, event), filter.property) ?? {};
  let kept = 0;
  let count = 0;
  let unknown = 0;
  const times = new Set<number>();
  for (const [key, [n, first, last]] of Object.entries(values)) {
    kept += n;
    let pass: boolean;
    if (key === OVERFLOW_KEY) {
      // Values past the cap: set, but which ones is not known.
      if (filter.operator === 'is_set' || filter.operator === 'is_not_set') {
        pass = filter.operator === 'is_set';
      } else {
        unknown += n;
        continue;
      }
    } else {
      pass = passes(filter, valueOfKey(key));
    }
    if (!pass) continue;
    count += n;
    times.add(first);
    times.add(last);
  }
  unknown += Math.max(0, total - kept);
  return { count, times: [...times], unknown };
}
