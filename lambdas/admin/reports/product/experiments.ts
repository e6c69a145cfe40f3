/**
 * Experiments (docs/api-product-analytics.md "Experiments"): declared through the API, results
 * computed from each day's per-user map — every user's first exposure per experiment (variant,
 * time, whether they saw several variants), their event counts and last times per name, tokens,
 * messages, events — with the statistics of stats.ts. Read: the experiment's days × their active
 * users, never the events.
 */
import * as v from 'valibot';
import { readJson } from '../../../http/json.ts';
import { NotFoundError, ValidationError } from '../../../model/errors.ts';
import { describeIssues } from '../../../model/issues.ts';
import { dayOf, daysBetween } from '../../../model/time.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import { deleteDefinition, putDefinition } from '../../../store/definitions.ts';
import {
  EXPERIMENT_ID,
  type Experiment,
  experimentSchema,
  readExperiments,
  statusOf,
} from '../../../store/experiments.ts';
import { ensureProject } from '../../../store/projects.ts';
import { MAX_RANGE_DAYS } from '../../range.ts';
import type { ReportDeps } from '../../read.ts';
import { readRange } from '../../read.ts';
import { projectParam, report } from '../../report.ts';
import {
  alwaysValidPValue,
  chanceToBeatMean,
  chanceToBeatProportion,
  confidenceSequence,
  lookOf,
  PROPORTION_TEST,
  proportionTest,
  type Sample,
  type SequentialLook,
  sampleRatio,
  sampleSizeFor,
  WELCH_TEST,
  welchTest,
} from '../experiments/stats.ts';
import {
  deletedResponse,
  type ExperimentResult,
  experimentCreatedResponse,
  experimentResponse,
  experimentResultsResponse,
  experimentsResponse,
  type Recommendation,
  type VariantResult,
} from './types.ts';

const MAX_BODY = 16 * 1024;

interface UserDay {
  day: string;
  users: Record<string, UserStats>;
}

interface Exposed {
  variant: string;
  at: number;
  day: string;
  mixed: boolean;
  converted: boolean;
  value: number;
}

const emptySample = (): Sample => ({ n: 0, sum: 0, sumSquares: 0 });

/** The samples of each declared variant from the users' states (mixed users left out). */
function samplesOf(e: Experiment, users: Iterable<Exposed>, proportion: boolean) {
  const samples = new Map(e.variants.map((x) => [x.name, emptySample()]));
  let mixed = 0;
  let unknown = 0;
  for (const u of users) {
    if (u.mixed) {
      mixed++;
      continue;
    }
    const s = samples.get(u.variant);
    if (!s) {
      unknown++;
      continue;
    }
    const x = proportion ? (u.converted ? 1 : 0) : u.value;
    s.n++;
    s.sum += x;
    s.sumSquares += x * x;
  }
  return { samples, mixed, unknown };
}

/**
 * The mSPRT mixture variance: the square of the effect the experiment was sized for (the minimum
 * detectable effect of the control's figure), so the test is most sensitive near it.
 */
function tau2Of(e: Experiment, control: Sample): number {
  const base = control.n ? control.sum / control.n : 0;
  return Math.max((e.minimumDetectableEffect * base) ** 2, 1e-12);
}

/**
 * The users' states after walking the days in order (exposure, then conversions after it, then
 * metrics from the exposure day on), and, per non-control variant, one sequential look per day.
 */
export function walk(e: Experiment, days: readonly UserDay[]) {
  const proportion = 'event' in e.goal;
  const goal = 'event' in e.goal ? e.goal.event : undefined;
  const metric = 'metric' in e.goal ? e.goal.metric : undefined;
  const start = Date.parse(e.start);
  const stop = e.stop ? Date.parse(e.stop) : Number.POSITIVE_INFINITY;
  const users = new Map<string, Exposed>();
  const looks = new Map<string, SequentialLook[]>(e.variants.slice(1).map((x) => [x.name, []]));
  const control = e.variants[0]?.name ?? '';
  for (const d of days) {
    for (const [actor, u] of Object.entries(d.users)) {
      const ex = u.exposures?.[e.id];
      let state = users.get(actor);
      if (ex && ex.at >= start && ex.at < stop) {
        if (!state) {
          state = {
            variant: ex.v,
            at: ex.at,
            day: d.day,
            mixed: ex.mixed === true,
            converted: false,
            value: 0,
          };
          users.set(actor, state);
        } else if (ex.v !== state.variant || ex.mixed) {
          state.mixed = true;
        }
      }
      if (!state) continue;
      if (goal !== undefined && (u.names?.[goal] ?? 0) > 0) {
        const last = u.lastAt?.[goal] ?? 0;
        if ((d.day > state.day || last >= state.at) && last < stop) state.converted = true;
      }
      if (metric !== undefined) state.value += u[metric];
    }
    const { samples } = samplesOf(e, users.values(), proportion);
    const c = samples.get(control) ?? emptySample();
    for (const [name, list] of looks) {
      const look = lookOf(c, samples.get(name) ?? emptySample(), proportion);
      if (look) list.push(look);
    }
  }
  return { users, looks, proportion };
}

/** What to do, from the results (rules in docs/api-product-analytics.md). */
export function recommend(
  e: Experiment,
  status: ReturnType<typeof statusOf>,
  variants: readonly VariantResult[],
  srmMismatch: boolean,
  sampleSize: number | null,
): Recommendation {
  if (srmMismatch) {
    return {
      action: 'stop',
      variant: null,
      reason:
        'sample ratio mismatch: exposures do not follow the planned split; fix the assignment',
    };
  }
  const others = variants.slice(1);
  const pOf = (x: VariantResult) => (e.sequential ? x.sequential?.pValue : x.comparison?.pValue);
  const significant = others.filter((x) => {
    const p = pOf(x);
    return p !== null && p !== undefined && p < e.alpha;
  });
  const winners = significant
    .filter((x) => (x.comparison?.difference ?? 0) > 0)
    .sort((a, b) => (b.comparison?.difference ?? 0) - (a.comparison?.difference ?? 0));
  const enough =
    e.sequential ||
    status === 'stopped' ||
    (sampleSize !== null && variants.every((x) => x.exposures >= sampleSize));
  const best = winners[0];
  if (best) {
    return enough
      ? {
          action: 'ship',
          variant: best.name,
          reason: `${best.name} beats the control significantly`,
        }
      : {
          action: 'keep_running',
          variant: best.name,
          reason: `${best.name} leads significantly, but the planned sample size is not reached: stopping now inflates false positives (or declare the experiment sequential)`,
        };
  }
  if (others.length && significant.length === others.length) {
    return {
      action: 'stop',
      variant: variants[0]?.name ?? null,
      reason: 'every variant is significantly worse than the control',
    };
  }
  if (status === 'stopped') {
    return { action: 'stop', variant: null, reason: 'stopped without a significant difference' };
  }
  return { action: 'keep_running', variant: null, reason: 'no significant difference yet' };
}

/** The results of one experiment from its days' user maps (oldest first). */
export function resultsOf(e: Experiment, days: readonly UserDay[], now: number): ExperimentResult {
  const { users, looks, proportion } = walk(e, days);
  const { samples, mixed, unknown } = samplesOf(e, users.values(), proportion);
  const control = samples.get(e.variants[0]?.name ?? '') ?? emptySample();
  const tau2 = tau2Of(e, control);
  const status = statusOf(e, now);
  const controlMean = control.n ? control.sum / control.n : 0;
  const controlSd =
    control.n > 1
      ? Math.sqrt(
          Math.max(0, (control.sumSquares - control.n * controlMean ** 2) / (control.n - 1)),
        )
      : undefined;
  const sampleSize = sampleSizeFor(
    proportion ? 'proportion' : 'mean',
    { mean: controlMean, sd: controlSd },
    e.minimumDetectableEffect,
    e.alpha,
    e.power,
  );
  const variants: VariantResult[] = e.variants.map((x, i) => {
    const s = samples.get(x.name) ?? emptySample();
    const isControl = i === 0;
    const comparison = isControl
      ? null
      : proportion
        ? proportionTest(control, s, e.alpha)
        : welchTest(control, s, e.alpha);
    const list = looks.get(x.name) ?? [];
    const last = list[list.length - 1];
    return {
      name: x.name,
      weight: x.weight,
      control: isControl,
      exposures: s.n,
      conversions: proportion ? s.sum : null,
      rate: proportion && s.n ? s.sum / s.n : null,
      mean: !proportion && s.n ? s.sum / s.n : null,
      sample: s,
      comparison,
      chanceToBeatControl: isControl
        ? null
        : proportion
          ? chanceToBeatProportion(control, s)
          : chanceToBeatMean(control, s),
      sequential:
        isControl || !e.sequential
          ? null
          : {
              pValue: list.length ? alwaysValidPValue(list, tau2) : null,
              interval: last ? confidenceSequence(last, tau2, e.alpha) : null,
              looks: list.length,
            },
    };
  });
  const srm = sampleRatio(
    variants.map((x) => x.exposures),
    variants.map((x) => x.weight),
  );
  return {
    id: e.id,
    name: e.name ?? e.id,
    status,
    start: e.start,
    stop: e.stop ?? null,
    goal: e.goal,
    test: proportion ? PROPORTION_TEST : WELCH_TEST,
    alpha: e.alpha,
    sequential: e.sequential,
    exposedUsers: users.size,
    mixedUsers: mixed,
    unknownVariantUsers: unknown,
    sampleRatio: srm,
    sampleSize: {
      perVariant: sampleSize,
      minimumDetectableEffect: e.minimumDetectableEffect,
      power: e.power,
    },
    variants,
    significant: variants.some((x) => {
      const p = e.sequential ? x.sequential?.pValue : x.comparison?.pValue;
      return !x.control && p !== null && p !== undefined && p < e.alpha;
    }),
    recommendation: recommend(e, status, variants, srm.mismatch, sampleSize),
  };
}

/** The days an experiment's results read: its start day to its stop day or today, at most 400. */
export function experimentDays(e: Experiment, now: number): string[] {
  const first = dayOf(Date.parse(e.start));
  const endMs = Math.min(now, e.stop ? Date.parse(e.stop) : now);
  const last = dayOf(endMs);
  if (last < first) return [];
  const days = daysBetween(first, last);
  return days.length > MAX_RANGE_DAYS ? days.slice(-MAX_RANGE_DAYS) : days;
}

/** One experiment's results, from its days' user maps (also what /metrics shows). */
export async function experimentResults(
  deps: ReportDeps,
  projectId: string,
  e: Experiment,
): Promise<ExperimentResult> {
  const now = deps.now();
  const days = experimentDays(e, now);
  const view = days.length ? await readRange(deps, projectId, days, { users: true }) : undefined;
  const userDays = (view?.days ?? [])
    .map((d) => ({ day: d.day, users: d.parts.users }))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
  return resultsOf(e, userDays, now);
}

const idOf = (raw: string | undefined): string => {
  if (!raw || !EXPERIMENT_ID.test(raw)) {
    throw new ValidationError('experiment id must be 1-64 letters, digits, ".", "_" or "-"');
  }
  return raw;
};

async function findExperiment(
  deps: ReportDeps,
  projectId: string,
  id: string,
): Promise<Experiment> {
  const found = (await readExperiments(deps.ddb, deps.tableName, projectId)).find(
    (x) => x.id === id,
  );
  if (!found) throw new NotFoundError(`no experiment ${JSON.stringify(id)}`);
  return found;
}

const STATUSES = ['scheduled', 'running', 'stopped'] as const;

const idPath = v.object({
  id: v.pipe(v.string(), v.regex(EXPERIMENT_ID, 'must be 1-64 letters, digits, ".", "_" or "-"')),
});

/** The experiment routes: declare, list, delete, and results (one, or every one of a status). */
export const experimentReports = [
  report({
    route: 'GET /api/v1/analytics/experiments',
    response: experimentsResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => {
      const now = deps.now();
      const list = await readExperiments(deps.ddb, deps.tableName, projectId);
      return {
        project: projectId,
        experiments: list.map((e) => ({ ...e, status: statusOf(e, now) })),
      };
    },
    rows: (body: { experiments: Record<string, unknown>[] }) =>
      body.experiments.map(({ variants, goal, ...e }) => ({
        ...e,
        variants: (variants as { name: string }[]).map((x) => x.name).join(' '),
        goal: JSON.stringify(goal),
      })),
  }),
  report({
    route: 'POST /api/v1/analytics/experiments',
    response: experimentCreatedResponse,
    body: experimentSchema,
    query: v.object({ project: projectParam }),
    status: 201,
    run: async ({ deps, projectId, event }) => {
      const parsed = v.safeParse(experimentSchema, readJson(event, MAX_BODY, true));
      if (!parsed.success) {
        throw new ValidationError(`invalid experiment: ${describeIssues(parsed.issues)}`);
      }
      await ensureProject(deps.ddb, deps.tableName, projectId, projectId);
      const e = await putDefinition(
        deps.ddb,
        deps.tableName,
        projectId,
        'experiment',
        parsed.output.id,
        parsed.output,
        new Date(deps.now()),
      );
      return { project: projectId, experiment: { ...e, status: statusOf(e, deps.now()) } };
    },
  }),
  report({
    route: 'GET /api/v1/analytics/experiments/{id}',
    response: experimentResponse,
    query: v.object({ project: projectParam }),
    path: idPath,
    errors: { '404': 'No experiment of that id is declared' },
    run: async ({ deps, projectId, event }) => {
      const e = await findExperiment(deps, projectId, idOf(event.pathParameters?.id));
      return { project: projectId, ...(await experimentResults(deps, projectId, e)) };
    },
    rows: (body: ExperimentResult) => variantRows(body),
  }),
  report({
    route: 'DELETE /api/v1/analytics/experiments/{id}',
    response: deletedResponse,
    query: v.object({ project: projectParam }),
    path: idPath,
    errors: { '404': 'No experiment of that id is declared' },
    run: async ({ deps, projectId, event }) => {
      const id = idOf(event.pathParameters?.id);
      await deleteDefinition(deps.ddb, deps.tableName, projectId, 'experiment', id);
      return { project: projectId, deleted: id };
    },
  }),
  report({
    route: 'GET /api/v1/analytics/experiment-results',
    response: experimentResultsResponse,
    query: v.object({
      project: projectParam,
      status: v.optional(
        v.pipe(
          v.picklist(STATUSES),
          v.description('Only experiments of this status (default: all)'),
        ),
      ),
    }),
    run: async ({ deps, projectId, query }) => {
      const now = deps.now();
      const list = (await readExperiments(deps.ddb, deps.tableName, projectId)).filter(
        (e) => query.status === undefined || statusOf(e, now) === query.status,
      );
      const out: ExperimentResult[] = [];
      for (const e of list) out.push(await experimentResults(deps, projectId, e));
      return { project: projectId, status: query.status ?? null, experiments: out };
    },
    rows: (body: { experiments: ExperimentResult[] }) => body.experiments.flatMap(variantRows),
  }),
];

/** One CSV row per variant. */
function variantRows(r: ExperimentResult): Record<string, unknown>[] {
  return r.variants.map((x) => ({
    experimentId: r.id,
    status: r.status,
    test: r.test,
    variant: x.name,
    control: x.control,
    exposures: x.exposures,
    conversions: x.conversions,
    rate: x.rate,
    mean: x.mean,
    lift: x.comparison?.lift ?? null,
    pValue: x.comparison?.pValue ?? null,
    significant: x.comparison?.significant ?? null,
    chanceToBeatControl: x.chanceToBeatControl,
    sequentialPValue: x.sequential?.pValue ?? null,
    recommendation: r.recommendation.action,
  }));
}
