/**
 * Schemas of what the tracking API answers, and of every error body: the OpenAPI document
 * describes responses with them, and the tests check real responses against that document.
 */
import * as v from 'valibot';

/** Every error: `code` and `message` at the top (where Segment's clients read them) and in `error`. */
export const errorResponseSchema = v.object({
  code: v.pipe(v.string(), v.description('Stable error code, e.g. validation_failed')),
  message: v.string(),
  error: v.looseObject({
    code: v.string(),
    message: v.string(),
  }),
});

/** One rejected item of a tracking request. */
export const rejectionSchema = v.object({
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  messageId: v.optional(v.string()),
  code: v.picklist(['invalid', 'too_large', 'too_many', 'bot', 'forbidden']),
  reason: v.string(),
});

/** What a tracking request that was taken answers: the outcome of each item. */
export const acceptedResponseSchema = v.object({
  success: v.pipe(
    v.literal(true),
    v.description('The request was taken: every valid event is accepted, each rejected one named'),
  ),
  accepted: v.pipe(v.number(), v.integer(), v.minValue(0)),
  duplicates: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.description('Accepted items repeating the messageId of an earlier item of the request'),
    ),
  ),
  rejected: v.optional(v.array(rejectionSchema)),
});

export const healthResponseSchema = v.object({ status: v.literal('ok') });
