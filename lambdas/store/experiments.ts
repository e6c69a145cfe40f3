/**
 * The experiments a project declares (docs/api-product-analytics.md "Experiments"): variants
 * (the first is the control) with their planned weights, a goal (a conversion event, or a
 * per-user metric), start and optional stop, and the test settings.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ISO_DATE_TIME_JSON } from '../model/time.ts';
import { readDefinitions } from './definitions.ts';

/** Per-user metrics an experiment can compare (sums over the user's days from exposure on). */
export const EXPERIMENT_METRICS = ['tokens', 'messages', 'events'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];

export const EXPERIMENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

const isoDateTime = v.pipe(
  v.string(),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time'),
  v.metadata(ISO_DATE_TIME_JSON),
);

export const experimentSchema = v.pipe(
  v.strictObject({
    id: v.pipe(v.string(), v.regex(EXPERIMENT_ID, 'must be 1-64 letters, digits, ".", "_" or "-"')),
    name: v.optional(v.pipe(v.string(), v.maxLength(200))),
    variants: v.pipe(
      v.array(
        v.strictObject({
          name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
          weight: v.optional(v.pipe(v.number(), v.minValue(0.001), v.maxValue(1000)), 1),
        }),
      ),
      v.minLength(2),
      v.maxLength(10),
      v.check(
        (vs) => new Set(vs.map((x) => x.name)).size === vs.length,
        'variant names must differ',
      ),
      v.description('The first variant is the control; variant names differ'),
    ),
    goal: v.union([
      v.strictObject({ event: v.pipe(v.string(), v.minLength(1), v.maxLength(200)) }),
      v.strictObject({ metric: v.picklist(EXPERIMENT_METRICS) }),
    ]),
    start: isoDateTime,
    stop: v.optional(v.pipe(isoDateTime, v.description('After `start`'))),
    alpha: v.optional(v.pipe(v.number(), v.minValue(0.0001), v.maxValue(0.5)), 0.05),
    power: v.optional(v.pipe(v.number(), v.minValue(0.5), v.maxValue(0.999)), 0.8),
    minimumDetectableEffect: v.optional(v.pipe(v.number(), v.minValue(0.001), v.maxValue(10)), 0.1),
    sequential: v.optional(v.boolean(), false),
  }),
  v.check((x) => !x.stop || Date.parse(x.stop) > Date.parse(x.start), 'stop must be after start'),
);
export type Experiment = v.InferOutput<typeof experimentSchema>;

export type ExperimentStatus = 'scheduled' | 'running' | 'stopped';

export function statusOf(e: Experiment, now: number): ExperimentStatus {
  if (Date.parse(e.start) > now) return 'scheduled';
  if (e.stop && Date.parse(e.stop) <= now) return 'stopped';
  return 'running';
}

export const readExperiments = (
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
) => readDefinitions<Experiment>(ddb, tableName, projectId, 'experiment');
