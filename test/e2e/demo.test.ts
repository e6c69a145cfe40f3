/**
 * `npm run demo` against the twin: a small month (7 days, 25 users) goes in through the tracking
 * API, every event counted once, and the product reports it feeds answer with figures: active
 * users on several days, both experiments running with exposures in each variant, feature use,
 * the onboarding funnel, segments, retention, and web traffic (the page views sent, visitors,
 * sessions, referrers, UTM tags, browsers). A second run (the same messageIds) changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_EXPERIMENTS, demoEvents, runDemo } from '../../local/demo.ts';
import { bearer, request } from '../helpers/http.ts';
import { useTwin } from '../helpers/twin.ts';

const twin = useTwin('demo');
const OPTIONS = { days: 7, users: 25, seed: 3 };

const admin = async (path: string) => {
  const { stack } = twin;
  const res = await request(`${stack.baseUrl}/api/v1/analytics/${path}`, {
    headers: bearer(stack.credentials.adminToken),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: report bodies, checked field by field below
  return res.body as Record<string, any>;
};

describe('npm run demo', () => {
  it('is deterministic for a seed, and keeps every event inside its days', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const a = demoEvents({ ...OPTIONS, now });
    expect(demoEvents({ ...OPTIONS, now })).toEqual(a);
    expect(new Set(a.map((e) => e.messageId)).size).toBe(a.length);
    const times = a.map((e) => Date.parse(String(e.timestamp)));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now - 7 * 86_400_000);
    expect(Math.max(...times)).toBeLessThan(now);
  });

  it('fills the twin with figures every product report shows, each event counted once', async () => {
    const { stack } = twin;
    const now = Date.now();
    const first = await runDemo(stack.credentials, { ...OPTIONS, now });
    expect(first.rejected).toBe(0);
    expect(first.users).toBe(25);
    await stack.idle();
    const summary = await admin('summary');
    expect(summary.totalEvents).toBe(first.events);

    // Resent whole (a client retrying everything): nothing changes.
    await runDemo(stack.credentials, { ...OPTIONS, now });
    await stack.idle();
    expect((await admin('summary')).totalEvents).toBe(first.events);

    const trends = await admin('usage-trends?range=7d');
    expect(trends.daily.filter((d: { dau: number }) => d.dau > 0).length).toBeGreaterThanOrEqual(5);

    const results = await admin('experiment-results?status=running');
    expect(results.experiments.map((e: { id: string }) => e.id).sort()).toEqual(
      DEMO_EXPERIMENTS.map((e) => e.id).sort(),
    );
    for (const e of results.experiments) {
      const exposures = e.variants.map((v: { exposures: number }) => v.exposures);
      expect(exposures.every((x: number) => x > 0)).toBe(true);
      expect(exposures.reduce((s: number, x: number) => s + x, 0)).toBe(25);
    }

    const features = await admin('feature-adoption?range=7d');
    const deploy = features.features.find(
      (f: { event: string }) => f.event === 'deployment.completed',
    );
    expect(deploy.uniqueUsers).toBeGreaterThan(0);

    // The standard onboarding funnel runs on the demo's signup → service → deployment steps.
    const onboarding = await admin('funnels/onboarding?range=7d');
    expect(onboarding.users).toBeGreaterThan(0);
    expect(onboarding.converted).toBeGreaterThan(0);
    expect(onboarding.converted).toBeLessThanOrEqual(onboarding.users);
    const segments = await admin('user-segments?range=7d');
    expect(segments.users).toBe(25);
    expect(segments.segments.reduce((s: number, x: { size: number }) => s + x.size, 0)).toBe(25);
    const retention = await admin('retention?range=7d');
    const cohorts = retention.cohorts.reduce((s: number, c: { size: number }) => s + c.size, 0);
    expect(cohorts).toBeGreaterThan(0);

    // Web traffic: the demo's page views of the report's days, counted from what was sent, and
    // sessions, bounces, pages, referrers, UTM tags and browsers that make sense together.
    const web = await admin('web-traffic?range=7d');
    const { from, to } = web.range as { from: string; to: string };
    const views = demoEvents({ ...OPTIONS, now }).filter((e) => {
      const day = String(e.timestamp).slice(0, 10);
      return e.type === 'page' && day >= from && day <= to;
    });
    expect(web.pageViews).toBeGreaterThan(0);
    expect(web.pageViews).toBe(views.length);
    expect(web.visitors).toBe(new Set(views.map((e) => e.userId)).size);
    expect(web.visitors).toBeLessThanOrEqual(web.pageViews);
    expect(web.sessions).toBeGreaterThanOrEqual(web.visitors);
    expect(web.sessions).toBeLessThanOrEqual(web.pageViews);
    expect(web.bounces).toBeLessThanOrEqual(web.sessions);
    expect(web.bounceRate).toBeGreaterThanOrEqual(0);
    expect(web.bounceRate).toBeLessThanOrEqual(100);
    expect(web.avgSessionDurationSeconds).toBeGreaterThan(0);
    expect(web.pages.length).toBeGreaterThan(0);
    const viewed = web.pages.reduce((s: number, p: { views: number }) => s + p.views, 0);
    expect(viewed).toBeLessThanOrEqual(web.pageViews);
    expect(web.entryPages.length).toBeGreaterThan(0);
    expect(web.exitPages.length).toBeGreaterThan(0);
    const values = (list: { value: string }[]) => list.map((x) => x.value);
    // The demo's referrers are outside hosts; its own links (app.example.com) are no referrer.
    expect(values(web.referrers)).toEqual(expect.arrayContaining(['www.google.com']));
    expect(values(web.referrers)).not.toContain('app.example.com');
    expect(values(web.utmSources)).toEqual(expect.arrayContaining(['newsletter', 'google']));
    expect(values(web.utmCampaigns)).toEqual(expect.arrayContaining(['november', 'brand']));
    expect(values(web.browsers).filter((b) => b !== '(none)').length).toBeGreaterThan(0);
    expect(values(web.devices)).toEqual(expect.arrayContaining(['mobile']));
    expect(web.daily.reduce((s: number, d: { pageViews: number }) => s + d.pageViews, 0)).toBe(
      web.pageViews,
    );
  }, 240_000);
});
