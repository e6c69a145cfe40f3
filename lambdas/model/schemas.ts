/**
 * Input schemas of the Segment-compatible tracking API, with valibot: it tree-shakes to a few
 * KiB, which matters on the track Lambda's cold start. The OpenAPI document is generated from
 * these same schemas.
 */
import * as v from 'valibot';
import type { EventType } from './events.ts';
import { ISO_DATE_TIME_JSON, ISO_TIME_EXPECTED, parseIsoTime } from './time.ts';

/** An identifier: Segment clients send strings, some send numbers. */
const identifier = v.pipe(
  v.union([
    v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(256)),
    v.pipe(v.number(), v.finite()),
  ]),
  v.transform((value) => String(value)),
);

const isoDateTime = v.pipe(
  v.string(),
  v.maxLength(64, `must be ${ISO_TIME_EXPECTED}`),
  v.check((s) => parseIsoTime(s) !== undefined, `must be ${ISO_TIME_EXPECTED}`),
  v.metadata(ISO_DATE_TIME_JSON),
);

const dictionary = v.record(v.string(), v.unknown());

/**
 * An optional field that may also be `null`, read as absent: Segment's API takes `null` for any
 * optional field, and its Python client sends `"category": null` and `"name": null` on every
 * `page()` and `screen()` without them.
 */
const absent = <T extends v.GenericSchema>(schema: T) =>
  v.pipe(
    v.nullish(schema),
    v.transform((value) => value ?? undefined),
  );

/** Fields every message may carry. Unknown top-level fields (`_metadata`, `version`…) are ignored. */
const common = {
  messageId: absent(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))),
  userId: v.nullish(identifier),
  anonymousId: v.nullish(identifier),
  timestamp: absent(isoDateTime),
  sentAt: absent(isoDateTime),
  context: absent(dictionary),
  integrations: absent(dictionary),
};

interface Identity {
  userId?: string | null | undefined;
  anonymousId?: string | null | undefined;
}

/** The JSON Schema of "`name` is there and not null", for the OpenAPI document. */
const named = (name: string) => ({
  required: [name],
  properties: { [name]: { not: { type: 'null' } } },
});

/** Segment's rule: every message names its user, by userId or anonymousId. */
function withIdentity<T extends v.GenericSchema<unknown, Identity>>(schema: T) {
  return v.pipe(
    schema,
    v.check(
      (m: Identity) => Boolean(m.userId) || Boolean(m.anonymousId),
      'userId or anonymousId is required',
    ),
    v.metadata({ anyOf: ['userId', 'anonymousId'].map(named) }),
  );
}

const name = absent(v.pipe(v.string(), v.maxLength(200)));

/**
 * A track message from a server-side domain endpoint (API usage, say): the same fields as a
 * Segment track call, but a user is optional, since a service can report work done for nobody in
 * particular.
 */
export const serverTrackSchema = v.object({
  ...common,
  type: v.optional(v.literal('track')),
  event: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200)),
  properties: absent(dictionary),
});

export const trackSchema = withIdentity(serverTrackSchema);

export const identifySchema = withIdentity(
  v.object({ ...common, type: v.optional(v.literal('identify')), traits: absent(dictionary) }),
);

/** Page and screen calls take the same fields. */
const viewSchema = <T extends 'page' | 'screen'>(type: T) =>
  withIdentity(
    v.object({
      ...common,
      type: v.optional(v.literal(type)),
      name,
      category: name,
      properties: absent(dictionary),
    }),
  );

export const pageSchema = viewSchema('page');
export const screenSchema = viewSchema('screen');

export const groupSchema = withIdentity(
  v.object({
    ...common,
    type: v.optional(v.literal('group')),
    groupId: identifier,
    traits: absent(dictionary),
  }),
);

export const aliasSchema = v.object({
  ...common,
  type: v.optional(v.literal('alias')),
  userId: identifier,
  previousId: identifier,
});

/** Schema of each message type, for the single-type endpoints and for batch items. */
export const MESSAGE_SCHEMAS: Record<EventType, v.GenericSchema> = {
  track: trackSchema,
  identify: identifySchema,
  page: pageSchema,
  screen: screenSchema,
  group: groupSchema,
  alias: aliasSchema,
};

/** Body of `POST /v1/batch`. Items are validated one by one, so only the envelope is checked here. */
export const batchSchema = v.object({
  batch: v.pipe(v.array(v.unknown()), v.minLength(1, 'must hold at least one event')),
  sentAt: absent(isoDateTime),
  context: absent(dictionary),
  integrations: absent(dictionary),
});
