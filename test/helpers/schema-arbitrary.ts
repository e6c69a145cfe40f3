/**
 * fast-check arbitraries for the JSON Schema subset the OpenAPI document uses (type, enum, const,
 * anyOf/oneOf, $ref to its components, string lengths, pattern and the date/date-time formats,
 * number bounds, object properties/required/additionalProperties, array items and counts).
 *
 * Written here rather than adding a generator library (json-schema-faker was considered): the
 * subset is small, fast-check's arbitraries shrink and replay from the run's seed, and every value
 * is checked against its schema (Ajv) by the caller, so a gap here shows as a generator error,
 * never as a request the document forbids.
 */
import fc from 'fast-check';

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;
/** Dates in the last week: reports (and a refresh) read every day of a range, so a short one keeps the run short. */
const near = (ms: number) =>
  fc.date({
    min: new Date(ms - 7 * DAY_MS),
    max: new Date(ms + DAY_MS),
    noInvalidDate: true,
  });

export interface ArbitraryOptions {
  /** Resolves `#/components/...` references. */
  root: Json;
  /** The instant dates are drawn around. */
  now: number;
}

export function arbitraryOf(
  schema: Json,
  options: ArbitraryOptions,
  depth = 0,
): fc.Arbitrary<unknown> {
  const of = (s: Json) => arbitraryOf(s, options, depth + 1);
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, key) => (at as Json)?.[key], options.root) as Json;
    return of(target);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  // Beside properties, `anyOf` says which of them must be there (userId or anonymousId).
  if (union && !schema.properties) return fc.oneof(...union.map(of));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema, options.now);
    case 'integer':
      return fc.integer({
        min: Math.ceil((schema.minimum as number | undefined) ?? -1e6),
        max: Math.floor((schema.maximum as number | undefined) ?? 1e6),
      });
    case 'number':
      return fc.double({
        min: (schema.minimum as number | undefined) ?? -1e6,
        max: (schema.maximum as number | undefined) ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? of(schema.items as Json) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: (schema.minItems as number | undefined) ?? 0,
        maxLength: Math.min((schema.maxItems as number | undefined) ?? 3, 3),
      });
    case 'object':
    case undefined:
      return objectOf(schema, of, depth);
    default:
      throw new Error(`no arbitrary for type ${String(type)}`);
  }
}

function stringOf(schema: Json, now: number): fc.Arbitrary<string> {
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? 40;
  let base: fc.Arbitrary<string>;
  if (schema.format === 'date-time') base = near(now).map((d) => d.toISOString());
  else if (schema.format === 'date') base = near(now).map((d) => d.toISOString().slice(0, 10));
  else if (typeof schema.pattern === 'string') base = fc.stringMatching(new RegExp(schema.pattern));
  else base = fc.string({ minLength: min, maxLength: Math.min(max, 40), unit: 'grapheme-ascii' });
  return base.filter((s) => s.length >= min && s.length <= max);
}

function objectOf(
  schema: Json,
  of: (s: Json) => fc.Arbitrary<unknown>,
  depth: number,
): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = (schema.required ?? []) as string[];
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, of(s)])),
    { requiredKeys: required.filter((k) => k in properties) },
  );
  if (Array.isArray(schema.anyOf)) {
    // One of the branches' required (non-null) properties: drawn, then kept when one holds.
    const branches = schema.anyOf as { required?: string[] }[];
    return known.filter((o) =>
      branches.some((b) =>
        (b.required ?? []).every((k) => (o as Json)[k] !== undefined && (o as Json)[k] !== null),
      ),
    );
  }
  const extra = schema.additionalProperties;
  if (extra === false || depth > 2 || Object.keys(properties).length > 0) return known;
  // A free-form object (context, properties, traits): a few plain keys with JSON values.
  return fc.dictionary(
    fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,15}$/),
    fc.jsonValue({ maxDepth: 2 }),
    {
      maxKeys: 4,
    },
  );
}
