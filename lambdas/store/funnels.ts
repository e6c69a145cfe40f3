/**
 * The funnels a project reports on (docs/api-product-analytics.md "Funnels"): the seed's
 * standard funnels, always there, and the ones declared through the API (a declaration of a
 * standard funnel's name replaces it). A funnel is 2–10 ordered steps, each an event name and
 * optionally a property filter, a conversion window, and optionally a property to break the
 * figures down by.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { readDefinitions } from './definitions.ts';
import { propertyFilterSchema, propertyNameSchema } from './properties.ts';

/** A funnel's name: it is a path segment (`funnels/{name}`). */
export const FUNNEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const FUNNEL_NAME_EXPECTED = 'must be 1-64 letters, digits, ".", "_" or "-"';

/** The longest conversion window (90 days, in seconds). */
export const MAX_WINDOW_SECONDS = 90 * 86_400;
/** The window of a funnel that states none: 7 days. */
export const DEFAULT_WINDOW_SECONDS = 7 * 86_400;

export const funnelNameSchema = v.pipe(v.string(), v.regex(FUNNEL_NAME, FUNNEL_NAME_EXPECTED));

export const funnelSchema = v.strictObject({
  name: funnelNameSchema,
  steps: v.pipe(
    v.array(
      v.strictObject({
        event: v.pipe(
          v.string(),
          v.trim(),
          v.minLength(1),
          v.maxLength(200),
          v.description('The event name (track event, page or screen name) of the step'),
        ),
        filter: v.optional(propertyFilterSchema),
      }),
    ),
    v.minLength(2),
    v.maxLength(10),
    v.check(
      (steps) => new Set(steps.map((s) => s.event)).size === steps.length,
      'steps must name different events',
    ),
    v.description('In order: a user reaches step k by doing its event after step k-1'),
  ),
  windowSeconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(MAX_WINDOW_SECONDS),
      v.description('Conversion window from the first step, 1 s to 90 days (default 7 days)'),
    ),
    DEFAULT_WINDOW_SECONDS,
  ),
  breakdown: v.optional(
    v.pipe(
      propertyNameSchema,
      v.description("A property of step 1's event: the figures per value it had on each entry"),
    ),
  ),
});

export type Funnel = v.InferOutput<typeof funnelSchema>;

/** The (event, property) pairs a funnel's filters and breakdown read (captures.ts keeps them). */
export function propertyUses(f: Funnel): { event: string; property: string }[] {
  const out = f.steps.flatMap((s) =>
    s.filter ? [{ event: s.event, property: s.filter.property }] : [],
  );
  const first = f.steps[0];
  if (f.breakdown && first) out.push({ event: first.event, property: f.breakdown });
  return out;
}

/**
 * The seed's standard funnels (onboarding, deployment, service creation), on the events a
 * product like the demo's (`npm run demo`) sends.
 */
export const STANDARD_FUNNELS: readonly Funnel[] = [
  {
    name: 'onboarding',
    steps: [
      { event: 'signup.completed' },
      { event: 'service.created' },
      { event: 'deployment.completed' },
    ],
    windowSeconds: DEFAULT_WINDOW_SECONDS,
  },
  {
    name: 'deployment',
    steps: [{ event: 'service.created' }, { event: 'deployment.completed' }],
    windowSeconds: 86_400,
  },
  {
    name: 'service_creation',
    steps: [{ event: 'signup.completed' }, { event: 'service.created' }],
    windowSeconds: 86_400,
  },
];

export interface ListedFunnel extends Funnel {
  /** True for a standard funnel the project has not replaced. */
  standard: boolean;
}

/** The standard funnels (unless replaced) and the declared ones, in name order: one Query. */
export async function readFunnels(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<ListedFunnel[]> {
  const declared = await readDefinitions<Funnel>(ddb, tableName, projectId, 'funnel');
  const names = new Set(declared.map((f) => f.name));
  return [
    ...STANDARD_FUNNELS.filter((f) => !names.has(f.name)).map((f) => ({ ...f, standard: true })),
    ...declared.map((f) => ({ ...f, standard: false })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
