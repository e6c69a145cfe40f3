/**
 * The product families of `GET /metrics` on DynamoDB Local: every sample equals what the reports
 * answer for the last 30 days (feature-adoption, experiment-results, user-segments,
 * funnels/{name}), a few of them also worked out by hand from the dataset; the output parses as
 * the text exposition format; a scrape recomputes the snapshot only when it is 5 minutes old (or
 * after a refresh), else reads it; a failing recomputation in a refresh is named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { metricsEndpoint } from '../../../lambdas/admin/metrics-endpoint.ts';
import type { AdminDeps } from '../../../lambdas/admin/report.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { runJob } from '../../../lambdas/rebuild/jobs.ts';
import { ensureProject } from '../../../lambdas/store/projects.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { type Family, PRODUCT_FAMILIES, parseExposition } from '../../helpers/exposition.ts';
import { adminOnly, callProduct } from '../../helpers/product.ts';
import { respond } from '../../helpers/route.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
let t: TestTable;
let deps: AdminDeps;
let clock = NOW;

const at = (day: string, hour: number, minute = 0) =>
  `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
const ev = (userId: string, event: string, timestamp: string, properties = {}) =>
  tallyEvent({ projectId: 'p1', userId, event, timestamp, receivedAt: timestamp, properties });

/**
 * Ten users over the last 30 days. Onboarding (signup → service → deployment, 7 days): u1–u4
 * sign up; u1 and u2 complete, u3 stops at the service, u4 at sign-up. Experiment exp-001
 * (control, treatment; goal deployment.completed): u1, u3, u5 in control, u2, u4, u6 in
 * treatment. u7–u10 chat on many days (power users) or once (casual); u10 only before the range.
 */
function dataset() {
  const out = [];
  const steps = ['signup.completed', 'service.created', 'deployment.completed'];
  const reach: Record<string, number> = { u1: 3, u2: 3, u3: 2, u4: 1 };
  for (const [i, [user, n]] of Object.entries(reach).entries()) {
    const day = `2026-11-${String(10 + i).padStart(2, '0')}`;
    for (let s = 0; s < n; s++) out.push(ev(user, steps[s] as string, at(day, 9, 10 * s)));
  }
  const arms: Record<string, string> = {
    u1: 'control',
    u3: 'control',
    u5: 'control',
    u2: 'treatment',
    u4: 'treatment',
    u6: 'treatment',
  };
  for (const [user, variant] of Object.entries(arms)) {
    out.push(
      ev(user, 'experiment.exposure', at('2026-11-09', 8), { experimentId: 'exp-001', variant }),
    );
  }
  out.push(ev('u6', 'deployment.completed', at('2026-11-15', 10)));
  for (let d = 1; d <= 22; d++) {
    const day = `2026-11-${String(d).padStart(2, '0')}`;
    out.push(ev('u7', 'message.sent', at(day, 11), { tokens: 10 }));
    if (d % 2 === 0) out.push(ev('u8', 'message.sent', at(day, 12), { tokens: 5 }));
  }
  out.push(ev('u9', 'api.request', at('2026-11-20', 14), { method: 'GET', endpoint: '/x' }));
  out.push(ev('u10', 'message.sent', at('2026-10-05', 9)));
  return out;
}

async function scrape(query?: Record<string, string>) {
  const res = await respond(
    metricsEndpoint(deps),
    httpEvent('GET /metrics', {
      headers: { authorization: 'Bearer admin' },
      ...(query ? { query } : {}),
    }),
  );
  expect(res.statusCode).toBe(200);
  return parseExposition(String(res.body));
}

/** The value of the sample of `name` whose labels include `labels`, or undefined. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string>) {
  const matches = (families.get(name)?.samples ?? []).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(matches.length).toBeLessThanOrEqual(1);
  return matches[0]?.value;
}

beforeAll(async () => {
  t = await createTestTable();
  deps = adminDeps(t, () => clock, { verify: adminOnly });
  for (const p of ['p1', 'p2']) await ensureProject(t.ddb, t.tableName, p, p);
  const declared = await callProduct(deps, 'POST', 'experiments', {
    body: {
      id: 'exp-001',
      variants: [{ name: 'control' }, { name: 'treatment' }],
      goal: { event: 'deployment.completed' },
      start: '2026-11-08T00:00:00Z',
    },
  });
  expect(declared.status).toBe(201);
  const res = await ingest(ingestDeps(t, NOW), [sqsRecord(dataset())]);
  expect(res.batchItemFailures).toEqual([]);
});

describe('product families in /metrics', () => {
  it('shows what the reports answer for the last 30 days', async () => {
    const m = await scrape();
    for (const name of PRODUCT_FAMILIES) expect(m.get(name)?.type, name).toBe('gauge');
    const p1 = { project: 'p1' };
    const range = { range: '30d' };

    expect(value(m, 'analytics_product_snapshot_timestamp_seconds', p1)).toBe(NOW / 1000);

    const adoption = (await callProduct(deps, 'GET', 'feature-adoption', { query: range })).body;
    expect(adoption.range).toMatchObject({ from: '2026-10-24', to: '2026-11-22' });
    expect(adoption.features.length).toBe(5);
    for (const f of adoption.features) {
      const labels = { ...p1, feature_name: f.name };
      expect(value(m, 'analytics_feature_usage_total', labels)).toBe(f.usage);
      expect(value(m, 'analytics_feature_unique_users', labels)).toBe(f.uniqueUsers);
      expect(value(m, 'analytics_feature_adoption_rate', labels)).toBe(f.adoptionRate);
    }
    // By hand: u1, u2 and u6 deployed; 9 users were active in the range (u10 was not).
    const deploy = { ...p1, feature_name: 'Deploy Application' };
    expect(value(m, 'analytics_feature_unique_users', deploy)).toBe(3);
    expect(value(m, 'analytics_feature_adoption_rate', deploy)).toBeCloseTo(3 / 9, 4);
    // Chat: 22 + 11 messages.
    expect(value(m, 'analytics_feature_usage_total', { ...p1, feature_name: 'Chat' })).toBe(33);

    const experiments = (
      await callProduct(deps, 'GET', 'experiment-results', { query: { status: 'running' } })
    ).body.experiments;
    expect(value(m, 'analytics_active_experiments', p1)).toBe(experiments.length);
    expect(value(m, 'analytics_active_experiments', p1)).toBe(1);
    expect(value(m, 'analytics_significant_results_total', p1)).toBe(
      experiments.filter((e: { significant: boolean }) => e.significant).length,
    );
    for (const x of experiments[0].variants) {
      const labels = { ...p1, experiment_id: 'exp-001', variant: x.name };
      expect(value(m, 'analytics_experiment_conversions', labels)).toBe(x.conversions);
      expect(value(m, 'analytics_experiment_conversion_rate', labels)).toBe(x.rate);
    }
    // By hand: control u1 (converted), u3, u5; treatment u2 and u6 (converted), u4.
    const control = { ...p1, experiment_id: 'exp-001', variant: 'control' };
    const treatment = { ...control, variant: 'treatment' };
    expect(value(m, 'analytics_experiment_conversions', control)).toBe(1);
    expect(value(m, 'analytics_experiment_conversions', treatment)).toBe(2);
    expect(value(m, 'analytics_experiment_conversion_rate', treatment)).toBeCloseTo(2 / 3, 4);

    const segments = (await callProduct(deps, 'GET', 'user-segments', { query: range })).body;
    for (const s of segments.segments) {
      const labels = { ...p1, segment_name: s.name };
      expect(value(m, 'analytics_segment_size', labels)).toBe(s.size);
      expect(value(m, 'analytics_segment_engagement', labels)).toBe(s.engagement ?? undefined);
    }
    expect(m.get('analytics_segment_size')?.samples.filter((s) => s.value > 0).length).toBe(
      segments.segments.filter((s: { size: number }) => s.size > 0).length,
    );

    const funnels = (await callProduct(deps, 'GET', 'funnels')).body.funnels;
    expect(funnels.map((f: { name: string }) => f.name)).toEqual([
      'deployment',
      'onboarding',
      'service_creation',
    ]);
    for (const { name } of funnels) {
      const f = (await callProduct(deps, 'GET', `funnels/${name}`, { query: range })).body;
      const labels = { ...p1, funnel_name: name };
      expect(value(m, 'analytics_funnel_conversion_rate', labels)).toBe(
        f.conversionRate ?? undefined,
      );
      for (const s of f.steps) {
        const step = { ...labels, step: String(s.step), event: s.event };
        expect(value(m, 'analytics_funnel_step_completion_rate', step)).toBe(s.completionRate);
        expect(value(m, 'analytics_funnel_drop_off_rate', step)).toBe(s.dropOffRate);
      }
    }
    // By hand: 4 signed up, 3 created a service, 2 deployed.
    const onboarding = { ...p1, funnel_name: 'onboarding' };
    expect(value(m, 'analytics_funnel_conversion_rate', onboarding)).toBe(0.5);
    const step2 = { ...onboarding, step: '2', event: 'service.created' };
    expect(value(m, 'analytics_funnel_step_completion_rate', step2)).toBe(0.75);
    expect(value(m, 'analytics_funnel_drop_off_rate', step2)).toBe(0.25);

    // p2 has no events: zeros and no rates (a rate of nobody is null in the reports).
    const p2 = { project: 'p2' };
    expect(value(m, 'analytics_active_experiments', p2)).toBe(0);
    expect(value(m, 'analytics_segment_size', { ...p2, segment_name: 'power' })).toBe(0);
    expect(value(m, 'analytics_funnel_conversion_rate', { ...p2, funnel_name: 'onboarding' })).toBe(
      undefined,
    );
  });

  it('recomputes the snapshot when it is 5 minutes old or after a refresh, else reads it', async () => {
    const labels = { project: 'p1', feature_name: 'Deploy Application' };
    const users = async () => value(await scrape(), 'analytics_feature_unique_users', labels);
    clock = NOW + 60_000;
    const before = (await users()) as number;
    const more = [ev('u9', 'deployment.completed', at('2026-11-22', 10))];
    expect((await ingest(ingestDeps(t, NOW), [sqsRecord(more)])).batchItemFailures).toEqual([]);
    // The snapshot is from the first scrape (NOW): read as it is until it is 5 minutes old.
    clock = NOW + 5 * 60_000 - 1;
    expect(await users()).toBe(before);
    clock = NOW + 5 * 60_000;
    expect(await users()).toBe(before + 1);
    const stamp = { project: 'p1' };
    expect(value(await scrape(), 'analytics_product_snapshot_timestamp_seconds', stamp)).toBe(
      clock / 1000,
    );

    // A refresh recomputes it at once.
    const more2 = [ev('u8', 'deployment.completed', at('2026-11-22', 11))];
    expect((await ingest(ingestDeps(t, NOW), [sqsRecord(more2)])).batchItemFailures).toEqual([]);
    clock += 60_000;
    expect(await users()).toBe(before + 1);
    const refreshed = await callProduct(deps, 'POST', 'metrics/refresh', {
      query: { from: '2026-11-22', to: '2026-11-22' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.failed).toEqual([]);
    expect(await users()).toBe(before + 2);
  });

  it('names a project whose snapshot failed, and folds the others', async () => {
    const result = await runJob(
      rollupDeps(t, NOW, 0),
      { projects: ['p1', 'p2'], from: '2026-11-22', to: '2026-11-22' },
      { nightlyDays: 1, hourly: 'rebuild' },
      {
        name: 'product snapshot',
        project: async (p) => {
          if (p === 'p2') throw new Error('boom');
        },
      },
    );
    expect(result.days.map((d) => d.day)).toEqual(['2026-11-22', '2026-11-22']);
    expect(result.failed).toEqual([
      { projectId: 'p2', day: '2026-11-22', error: 'product snapshot: boom' },
    ]);
  });
});
