/**
 * web-traffic against DynamoDB Local: five days of generated browser traffic (visitors with
 * several sessions a day, pages, internal and external referrers, UTM tags, three browsers,
 * browser events and server events that are no hits), ingested in a shuffled order, and every
 * figure recomputed here by brute force from the generated hits with the 30-minute idle rule —
 * the same answers live, after an hourly compaction that leaves the newest facts live, and after
 * a full rebuild. The session merge is also checked against every order of a visitor's hits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import type { WebTrafficResponse } from '../../../../lambdas/admin/reports/product/web-traffic.ts';
import type { TallyEvent } from '../../../../lambdas/model/events.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { compactDay, rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { factOf } from '../../../../lambdas/store/facts.ts';
import { addHit, type WebStats } from '../../../../lambdas/store/web.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { ingestAll } from '../../../helpers/ingest.ts';
import { adminOnly, callAdmin, callProduct } from '../../../helpers/product.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const DAYS = daysBetween('2026-11-18', '2026-11-22');
const SITE = 'https://acme.example';
const PATHS = ['/', '/pricing', '/docs', '/docs/start', '/blog/launch'];
const REFERRERS = [
  undefined,
  'https://news.example/item',
  'https://www.google.com/',
  `${SITE}/docs`,
];
const CAMPAIGNS = [
  undefined,
  { source: 'newsletter', medium: 'email', name: 'nov' },
  { source: 'ads' },
];
const BROWSERS = [
  { browser: 'Chrome', os: 'Windows', device: 'desktop' },
  { browser: 'Firefox', os: 'Linux', device: 'desktop' },
  { browser: 'Safari', os: 'iOS', device: 'mobile' },
];

interface Hit {
  actor: string;
  day: string;
  time: number;
  kind: 'page' | 'event';
  path: string;
  referrer: string | undefined;
  campaign: (typeof CAMPAIGNS)[number];
  ua: (typeof BROWSERS)[number];
}

let seed = 11;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Per visitor-day: bursts of hits (gaps of 0–20 min inside a burst, 31–240 min between bursts). */
function plan(): Hit[] {
  const out: Hit[] = [];
  let clock = 0;
  for (const day of DAYS) {
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    for (let v = 0; v < 14; v++) {
      if (rnd() < 0.3) continue;
      const actor = `anon:v_${day}_${v}`;
      const ua = BROWSERS[v % BROWSERS.length] as (typeof BROWSERS)[number];
      let t = dayStart + Math.floor(rnd() * 8 * 60) * MIN;
      const bursts = 1 + Math.floor(rnd() * 3);
      for (let b = 0; b < bursts; b++) {
        const hits = 1 + Math.floor(rnd() * 4);
        for (let h = 0; h < hits; h++) {
          // Distinct times: no ties to break.
          const time = t + (++clock % 997);
          out.push({
            actor,
            day,
            time,
            kind: h > 0 && rnd() < 0.3 ? 'event' : 'page',
            path: pick(PATHS),
            referrer: pick(REFERRERS),
            campaign: pick(CAMPAIGNS),
            ua,
          });
          t += Math.floor(rnd() * 20) * MIN + 1000;
        }
        t += (31 + Math.floor(rnd() * 210)) * MIN;
      }
    }
  }
  // Today's visitors with hits in the last 5 minutes, and one just before.
  for (const [i, ago] of [1, 3, 4.5, 9].entries()) {
    out.push({
      actor: `anon:v_live_${i}`,
      day: '2026-11-22',
      time: NOW - ago * MIN,
      kind: 'page',
      path: '/',
      referrer: undefined,
      campaign: undefined,
      ua: BROWSERS[0] as (typeof BROWSERS)[number],
    });
  }
  return out.filter((h) => h.time < NOW);
}

const HITS = plan();

/** The event a hit is, as track stores it (enriched: path, referrerHost, campaign, browser). */
function toEvent(h: Hit): TallyEvent {
  const timestamp = new Date(h.time).toISOString();
  const context: Record<string, unknown> = {
    userAgent: `UA ${h.ua.browser}`,
    browser: { name: h.ua.browser },
    os: { name: h.ua.os },
    device: { type: h.ua.device },
  };
  if (h.kind === 'event') {
    return tallyEvent({
      userId: undefined,
      anonymousId: h.actor.slice(5),
      event: 'Clicked',
      timestamp,
      context,
    });
  }
  const search = h.campaign
    ? `?${new URLSearchParams(
        Object.entries(h.campaign).map(([k, v]) => [k === 'name' ? 'utm_campaign' : `utm_${k}`, v]),
      )}`
    : '';
  if (h.campaign) context.campaign = h.campaign;
  const properties: Record<string, unknown> = { url: `${SITE}${h.path}${search}`, path: h.path };
  if (h.referrer) {
    properties.referrer = h.referrer;
    properties.referrerHost = new URL(h.referrer).hostname;
  }
  return tallyEvent({
    type: 'page',
    event: undefined,
    userId: undefined,
    anonymousId: h.actor.slice(5),
    timestamp,
    properties,
    context,
  });
}

/** Server events of the same visitors: no browser, so no hits. */
const serverEvents = HITS.filter((_, i) => i % 7 === 0).map((h) =>
  tallyEvent({
    userId: undefined,
    anonymousId: h.actor.slice(5),
    event: 'invoice.sent',
    timestamp: new Date(h.time + 45 * MIN).toISOString(),
  }),
);

// ---- expected figures, by brute force over the hits ----

interface Session {
  actor: string;
  day: string;
  hits: Hit[];
}

function sessionsOf(hits: readonly Hit[]): Session[] {
  const byVisitorDay = new Map<string, Hit[]>();
  for (const h of hits) {
    const k = `${h.actor}|${h.day}`;
    byVisitorDay.set(k, [...(byVisitorDay.get(k) ?? []), h]);
  }
  const out: Session[] = [];
  for (const list of byVisitorDay.values()) {
    list.sort((a, b) => a.time - b.time);
    let current: Hit[] = [];
    for (const h of list) {
      const last = current[current.length - 1];
      if (last && h.time - last.time > 30 * MIN) {
        out.push({ actor: h.actor, day: h.day, hits: current });
        current = [];
      }
      current.push(h);
    }
    out.push({ actor: list[0]?.actor as string, day: list[0]?.day as string, hits: current });
  }
  // Sessions without a page view are not web sessions.
  return out.filter((s) => s.hits.some((h) => h.kind === 'page'));
}

const externalHost = (h: Hit) => {
  if (!h.referrer) return '(direct)';
  const host = new URL(h.referrer).hostname;
  return host === new URL(SITE).hostname ? '(direct)' : host;
};

function expected(from: string, to: string) {
  const hits = HITS.filter((h) => h.day >= from && h.day <= to);
  const sessions = sessionsOf(hits);
  const pagesOf = (s: Session) => s.hits.filter((h) => h.kind === 'page');
  const visitors = new Set(sessions.map((s) => s.actor));
  const bounces = sessions.filter((s) => s.hits.length === 1).length;
  const duration = sessions.reduce(
    (n, s) => n + ((s.hits[s.hits.length - 1] as Hit).time - (s.hits[0] as Hit).time),
    0,
  );
  const pageViews = hits.filter((h) => h.kind === 'page').length;
  const breakdown = (key: (s: Session) => string) => {
    const rows = new Map<string, { visitors: Set<string>; sessions: number }>();
    for (const s of sessions) {
      const k = key(s);
      const r = rows.get(k) ?? { visitors: new Set<string>(), sessions: 0 };
      r.visitors.add(s.actor);
      r.sessions++;
      rows.set(k, r);
    }
    return [...rows]
      .map(([value, r]) => ({ value, visitors: r.visitors.size, sessions: r.sessions }))
      .sort(
        (a, b) =>
          b.visitors - a.visitors || b.sessions - a.sessions || (a.value < b.value ? -1 : 1),
      );
  };
  const entry = (s: Session) => pagesOf(s)[0] as Hit;
  const exit = (s: Session) => pagesOf(s)[pagesOf(s).length - 1] as Hit;
  const pages = PATHS.map((path) => ({
    path,
    views: hits.filter((h) => h.kind === 'page' && h.path === path).length,
    visitors: new Set(hits.filter((h) => h.kind === 'page' && h.path === path).map((h) => h.actor))
      .size,
    entries: sessions.filter((s) => entry(s).path === path).length,
    exits: sessions.filter((s) => exit(s).path === path).length,
  }));
  const top = (key: 'views' | 'entries' | 'exits') =>
    pages
      .filter((p) => p[key] > 0)
      .sort((a, b) => b[key] - a[key] || b.visitors - a.visitors || (a.path < b.path ? -1 : 1));
  return {
    pageViews,
    visitors: visitors.size,
    sessions: sessions.length,
    bounces,
    bounceRate: (bounces / sessions.length) * 100,
    avgSessionDurationSeconds: duration / sessions.length / 1000,
    viewsPerSession: pageViews / sessions.length,
    pages: top('views'),
    entryPages: top('entries'),
    exitPages: top('exits'),
    referrers: breakdown((s) => externalHost(entry(s))),
    utmSources: breakdown((s) => entry(s).campaign?.source ?? '(none)'),
    utmMediums: breakdown((s) => (entry(s).campaign as { medium?: string })?.medium ?? '(none)'),
    utmCampaigns: breakdown((s) => (entry(s).campaign as { name?: string })?.name ?? '(none)'),
    browsers: breakdown((s) => (s.hits[0] as Hit).ua.browser),
    operatingSystems: breakdown((s) => (s.hits[0] as Hit).ua.os),
    devices: breakdown((s) => (s.hits[0] as Hit).ua.device),
  };
}

let t: TestTable;
let deps: AdminDeps;

const traffic = async (query: Record<string, string>) => {
  const res = await callProduct(deps, 'GET', 'web-traffic', { query: { limit: '100', ...query } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as WebTrafficResponse;
};

const LATE = 25;

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  // Shuffled: the sessions must not depend on the order facts arrive in.
  const events = [...HITS.map(toEvent), ...serverEvents]
    .map((e) => ({ e, k: rnd() }))
    .sort((a, b) => a.k - b.k)
    .map(({ e }) => e);
  const early = events.slice(0, -LATE);
  const records = [];
  for (let i = 0; i < early.length; i += 100) records.push(sqsRecord(early.slice(i, i + 100)));
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), records);
  await ingestAll(ingestDeps(t, NOW - MIN), [sqsRecord(events.slice(-LATE))]);
  // Another project's visitors must not show.
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), [
    sqsRecord([{ ...toEvent(HITS[0] as Hit), projectId: 'p2' }]),
  ]);
}, 180_000);

async function checkAll() {
  const from = DAYS[0] as string;
  const to = DAYS[DAYS.length - 1] as string;
  const body = await traffic({ from, to });
  const want = expected(from, to);
  const { daily, liveVisitors, project, range, ...rest } = body;
  expect(project).toBe('p1');
  expect({
    ...rest,
    bounceRate: null,
    avgSessionDurationSeconds: null,
    viewsPerSession: null,
  }).toEqual({
    ...want,
    bounceRate: null,
    avgSessionDurationSeconds: null,
    viewsPerSession: null,
  });
  expect(rest.bounceRate).toBeCloseTo(want.bounceRate, 9);
  expect(rest.avgSessionDurationSeconds).toBeCloseTo(want.avgSessionDurationSeconds, 6);
  expect(rest.viewsPerSession).toBeCloseTo(want.viewsPerSession, 9);
  // Three visitors had a page view in the last 5 minutes (the fourth 9 minutes ago).
  expect(liveVisitors).toBe(3);
  expect(daily.map((d) => d.day)).toEqual(DAYS);
  for (const d of daily) {
    const w = expected(d.day, d.day);
    expect([d.day, d.pageViews, d.visitors, d.sessions, d.bounces]).toEqual([
      d.day,
      w.pageViews,
      w.visitors,
      w.sessions,
      w.bounces,
    ]);
  }
  // The sample is not degenerate: several sessions per visitor, bounces and not, both referrers.
  expect(want.sessions).toBeGreaterThan(want.visitors);
  expect(want.bounces).toBeGreaterThan(0);
  expect(want.bounces).toBeLessThan(want.sessions);
  expect(want.referrers.map((r) => r.value)).toEqual(
    expect.arrayContaining(['(direct)', 'news.example', 'www.google.com']),
  );
}

describe('web-traffic', () => {
  it('answers the brute-force figures from the live layer', checkAll);

  it('answers the same after an hourly compaction (the newest facts still live)', async () => {
    for (const day of DAYS) await compactDay(rollupDeps(t, NOW), 'p1', day);
    await checkAll();
  });

  it('answers the same after a full rebuild of every day', async () => {
    for (const day of DAYS) await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    await checkAll();
  });

  it('limits its lists, exports the pages as CSV, and shows nothing of another project', async () => {
    const body = await traffic({ from: DAYS[0] as string, to: DAYS[4] as string, limit: '2' });
    expect(body.pages).toHaveLength(2);
    expect(body.browsers).toHaveLength(2);
    const other = await traffic({ project: 'p2', range: '7d' });
    expect(other.visitors).toBe(1);
    expect(other.pageViews).toBe(1);
    const csv = await callAdmin(deps, 'GET', 'export/csv', {
      query: {
        report: 'web-traffic',
        from: DAYS[0] as string,
        to: DAYS[4] as string,
        limit: '100',
      },
      pathParameters: { format: 'csv' },
    });
    expect(csv.status).toBe(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    const want = expected(DAYS[0] as string, DAYS[4] as string).pages;
    expect(lines[0]).toBe('path,views,visitors,entries,exits');
    expect(lines.slice(1)).toEqual(
      want.map((p) => [p.path, p.views, p.visitors, p.entries, p.exits].join(',')),
    );
    // `table=` chooses another list for the CSV (the dashboard exports the table in view).
    const referrers = await callAdmin(deps, 'GET', 'export/csv', {
      query: {
        report: 'web-traffic',
        from: DAYS[0] as string,
        to: DAYS[4] as string,
        table: 'referrers',
      },
      pathParameters: { format: 'csv' },
    });
    expect(referrers.status).toBe(200);
    expect(
      referrers.text
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n'),
    ).toEqual([
      'value,visitors,sessions',
      ...expected(DAYS[0] as string, DAYS[4] as string)
        .referrers.slice(0, 10)
        .map((r) => [r.value, r.visitors, r.sessions].join(',')),
    ]);
    const bad = await callAdmin(deps, 'GET', 'export/csv', {
      query: { report: 'web-traffic', range: '7d', table: 'cookies' },
      pathParameters: { format: 'csv' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).message).toContain('but received "cookies"');
  });
});

describe('session summaries', () => {
  it("are the same whatever order a visitor-day's hits come in", () => {
    const visitor = HITS.filter((h) => h.actor === HITS[0]?.actor);
    const facts = visitor.map((h) => factOf(toEvent(h)));
    const fold = (order: typeof facts) =>
      order.reduce<WebStats | undefined>((w, f) => addHit(w, f), undefined);
    const reference = fold(facts);
    for (let i = 0; i < 20; i++) {
      const shuffled = facts
        .map((f) => ({ f, k: rnd() }))
        .sort((a, b) => a.k - b.k)
        .map(({ f }) => f);
      expect(fold(shuffled)).toEqual(reference);
    }
    expect(reference?.s.length).toBe(sessionsOf(visitor).length);
  });
});
