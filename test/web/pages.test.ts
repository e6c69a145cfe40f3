/**
 * Every page of the dashboard in headless Chromium against one local twin holding a month of a
 * chat product (scripts/demo-data.ts): the figures on screen against the API's, filters and
 * paging in the URL, sorting, the error state's retry, the empty state, write keys created and
 * revoked, export, axe-core in light and dark, and 390 px. One browser and one twin for the file.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivitiesBody, EventsBody } from '../../lambdas/admin/reports/people/activity.ts';
import type { UserRow } from '../../lambdas/admin/reports/people/compute.ts';
import type {
  ConversationBody,
  ConversationsBody,
} from '../../lambdas/admin/reports/people/conversations.ts';
import type { TopResourcesBody } from '../../lambdas/admin/reports/people/resources.ts';
import type { TopUsersBody, UserListBody } from '../../lambdas/admin/reports/people/users.ts';
import type {
  ExperimentResult,
  FeatureAdoptionResponse,
  FunnelResponse,
  RetentionResponse,
  Segment,
  SegmentsResponse,
  UsageTrendsResponse,
} from '../../lambdas/admin/reports/product/types.ts';
import type {
  Breakdown,
  WebTable,
  WebTrafficResponse,
} from '../../lambdas/admin/reports/product/web-traffic.ts';
import type { WriteKeyRecord } from '../../lambdas/store/write-keys.ts';
import type { LocalStack } from '../../local/stack.ts';
import { duration, fmt, ms, pct, usd } from '../../web/format.ts';
import type { ApiUsageBody } from '../../web/pages/api-usage.ts';
import type { MessagesBody } from '../../web/pages/messages.ts';
import type { DashboardBody } from '../../web/pages/overview.ts';
import type { TokensBody } from '../../web/pages/tokens.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { launchChromium } from '../helpers/browser.ts';
import {
  ARTIFACTS,
  adminGet,
  HOSTILE_USER,
  loaded,
  screenshot,
  seedDemo,
} from '../helpers/dashboard.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startTestStack('pages');
  browser = await launchChromium();
  await seedDemo(stack);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(stack.baseUrl);
  await page.click('#sign-in');
  await loaded(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Opens a page of the dashboard by its URL (the session stays in the tab) and waits for it. */
async function open(id: string, query = ''): Promise<void> {
  await page.goto(`${stack.baseUrl}/?page=${id}&project=default${query ? `&${query}` : ''}`);
  await loaded(page, id);
}

/** The text of every cell of the table under `scope`, row by row. */
const rows = (scope: string) =>
  page.$$eval(`${scope} .table-wrap tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
const column = async (scope: string, i: number) => (await rows(scope)).map((r) => r[i]);
const figureOf = (key: string, scope = 'main') =>
  page.textContent(`${scope} [data-figure="${key}"] .value`);

/** Clicks the page's CSV export and gives the downloaded file's lines (the header first). */
async function exportCsvLines(): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-export="csv"]'),
  ]);
  return readFileSync((await download.path()) as string, 'utf8')
    .trim()
    .split('\n');
}

/** What every page must pass: no serious or critical axe finding, in light and in dark. */
async function expectAccessible() {
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    expect({ theme, violations: await seriousViolations(page) }).toEqual({ theme, violations: [] });
  }
  await page.evaluate(() => {
    document.documentElement.dataset.theme = 'light';
  });
}

describe('dashboard pages', { timeout: 90_000 }, () => {
  it('overview: figures as the API, accessible in light and dark, screenshot for the README', async () => {
    await open('overview');
    const d = await adminGet<DashboardBody>(stack, 'dashboard?range=7d');
    expect(await page.textContent('[data-metric="totalEvents"] .value')).toBe(
      fmt(d.overview.totalEvents?.value),
    );
    // Peak usage: the weekday × hour grid as the API's, which sums to the range's events.
    const grid = await page.$$eval('table.heatmap tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(grid).toEqual(d.overview.peakUsage.events.map((row) => row.map((n) => fmt(n))));
    expect(d.overview.peakUsage.events.flat().reduce((a, b) => a + b, 0)).toBe(
      d.overview.totalEvents.value,
    );
    // System health: the last 24 hours' latency percentiles and error rate.
    const health = await adminGet<ApiUsageBody>(stack, 'api-usage?range=24h');
    expect(health.totals.count).toBeGreaterThan(0);
    expect(await figureOf('p50Ms')).toBe(ms(health.totals.p50Ms));
    expect(await figureOf('p95Ms')).toBe(ms(health.totals.p95Ms));
    expect(await figureOf('p99Ms')).toBe(ms(health.totals.p99Ms));
    expect(await figureOf('errorRate')).toBe(pct(health.totals.errorRate));
    await expectAccessible();
    await screenshot(page, 'overview-demo-1280');
    // The README's picture of the overview is this run's (docs/dashboard-overview.png).
    if (process.env.TALLY_UPDATE_SCREENSHOT)
      copyFileSync(join(ARTIFACTS, 'overview-demo-1280.png'), 'docs/dashboard-overview.png');
  });

  it('light and dark: the theme button switches the palette and is remembered', async () => {
    await open('overview');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.click('#theme');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    const dark = await bg();
    expect(dark).not.toBe(light);
    await page.reload();
    await loaded(page);
    expect(await bg()).toBe(dark);
    await page.click('#theme');
    expect(await bg()).toBe(light);
  });

  it('users: the list, active-only with figures, search, and one user with their timeline', async () => {
    await open('users');
    // Each row's segment (the page asks with segments=true): the API's, the text of the last column.
    const segmentOf = (u: object) => (u as { segment?: string | null }).segment ?? '–';
    const all = await adminGet<UserListBody>(
      stack,
      'users/list?active_only=false&limit=100&segments=true',
    );
    expect((await rows('main')).map((r) => [r[0], r[3]])).toEqual(
      all.users.map((u) => [u.userId, segmentOf(u)]),
    );
    // The month of demo data has users in several segments (not a column of dashes).
    expect(new Set(all.users.map(segmentOf).filter((x) => x !== '–')).size).toBeGreaterThan(1);
    await expectAccessible();

    await page.check('#f-active_only');
    await loaded(page, 'users');
    expect(new URL(page.url()).searchParams.get('active_only')).toBe('true');
    const active = await adminGet<UserListBody>(
      stack,
      'users/list?active_only=true&limit=100&segments=true',
    );
    const shown = await rows('main');
    expect(shown.map((r) => [r[0], r[1], r[3], r[5]])).toEqual(
      (active.users as UserRow[]).map((u) => [
        u.userId,
        fmt(u.events),
        fmt(u.tokens),
        segmentOf(u),
      ]),
    );
    expect(new Set(active.users.map(segmentOf).filter((x) => x !== '–')).size).toBeGreaterThan(1);

    await page.fill('#f-q', 'ad');
    // The API searches every user, not the page in view.
    await Promise.all([
      page.waitForRequest(
        (r) => r.url().includes('/users/list') && new URL(r.url()).searchParams.get('q') === 'ad',
      ),
      page.click('form.filters button[type=submit]'),
    ]);
    await loaded(page, 'users');
    expect(await column('main', 0)).toEqual(['ada']);

    await page.click('main a:text-is("ada")');
    await loaded(page, 'users');
    expect(new URL(page.url()).searchParams.get('user')).toBe('ada');
    const top = await adminGet<TopUsersBody>(stack, 'users/top?limit=500&segments=true');
    const ada = top.users.find((u) => u.userId === 'ada');
    expect(await figureOf('events')).toBe(fmt(ada?.events));
    expect(await figureOf('tokens')).toBe(fmt(ada?.tokens));
    expect(ada && segmentOf(ada)).not.toBe('–');
    expect(await figureOf('segment')).toBe(ada && segmentOf(ada));
    const timeline = await adminGet<ActivitiesBody>(stack, 'users/activities?user_id=ada&limit=50');
    expect(await column('main', 1)).toEqual(timeline.activities.map((a) => a.activityType));
    await expectAccessible();
  });

  it('conversations: the list by user, and one conversation with its days and insights', async () => {
    await open('conversations', 'user_id=bob');
    const list = await adminGet<ConversationsBody>(stack, 'conversations?user_id=bob&limit=50');
    expect(list.conversations.length).toBeGreaterThan(0);
    expect((await rows('main')).map((r) => [r[0], r[3], r[4]])).toEqual(
      list.conversations.map((c) => [c.conversationId, fmt(c.messages), fmt(c.tokens)]),
    );
    await expectAccessible();
    const first = list.conversations[0]?.conversationId as string;
    await page.click(`main a:text-is("${first}")`);
    await loaded(page, 'conversations');
    const one = await adminGet<ConversationBody>(stack, `conversations/${first}?range=7d`);
    expect(await figureOf('messages')).toBe(fmt(one.conversation.messages));
    expect(await figureOf('avgResponseTimeMs')).toBe(ms(one.conversation.avgResponseTimeMs));
    expect(await page.textContent('main')).toContain('Sentiment and intent of its messages');
    await expectAccessible();
  });

  it('messages: totals, percentiles, periods and models as the API', async () => {
    await open('messages', 'range=30d&granularity=week');
    const m = await adminGet<MessagesBody>(stack, 'messages?range=30d&granularity=week');
    expect(await figureOf('total')).toBe(fmt(m.total));
    expect(await figureOf('p95')).toBe(ms(m.responseTimeMs.p95));
    expect(await figureOf('p99')).toBe(ms(m.responseTimeMs.p99));
    expect(await column('[aria-labelledby="s-messages-per-week"]', 0)).toEqual(
      m.series.map((p) => p.period),
    );
    expect(await rows('[aria-labelledby="s-by-model"]')).toEqual(
      m.byModel.map((r) => [r.model, fmt(r.messages), fmt(r.tokens)]),
    );
    await expectAccessible();
  });

  it('tokens and cost: by model with cost, and the month-end forecast', async () => {
    await open('tokens', 'range=30d');
    const t = await adminGet<TokensBody>(stack, 'tokens?range=30d&limit=10');
    expect(await figureOf('total')).toBe(fmt(t.total));
    expect(await figureOf('cost')).toBe(usd(t.cost));
    // The forecast moves with the clock; what the month has used so far does not.
    expect(await page.textContent('[data-figure="forecastTokens"] .change')).toBe(
      `${fmt(t.forecast.tokensSoFar)} so far`,
    );
    expect(await rows('[aria-labelledby="s-by-model"]')).toEqual(
      t.byModel.map((r) => [
        r.model,
        fmt(r.messages),
        fmt(r.tokens),
        fmt(r.inputTokens),
        fmt(r.outputTokens),
        r.cost === null ? 'no price' : usd(r.cost),
      ]),
    );
    await expectAccessible();
  });

  it('API usage: per endpoint with percentiles, sortable, filtered in the URL, exported', async () => {
    await open('api-usage', 'range=30d');
    const u = await adminGet<ApiUsageBody>(stack, 'api-usage?range=30d');
    expect(await figureOf('count')).toBe(fmt(u.totals.count));
    expect(await figureOf('p95Ms')).toBe(ms(u.totals.p95Ms));
    expect(await rows('main')).toEqual(
      u.endpoints.map((e) => [
        e.method,
        e.endpoint,
        fmt(e.count),
        fmt(e.errors),
        pct(e.errorRate),
        ms(e.p50Ms),
        ms(e.p95Ms),
        ms(e.p99Ms),
        Object.entries(e.status)
          .map(([code, n]) => `${code}: ${fmt(n)}`)
          .join(', '),
      ]),
    );
    await page.click('th button:text-is("p95")');
    expect(await page.getAttribute('th:has(button:text-is("p95"))', 'aria-sort')).toBe(
      'descending',
    );
    const byP95 = [...u.endpoints].sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0));
    expect(await column('main', 1)).toEqual(byP95.map((e) => e.endpoint));
    await expectAccessible();

    const csv = await exportCsvLines();
    expect(csv.length - 1).toBe(u.endpoints.length);

    await page.fill('#f-endpoint', '/v1/s*');
    await page.click('form.filters button[type=submit]');
    await loaded(page, 'api-usage');
    expect(new URL(page.url()).searchParams.get('endpoint')).toBe('/v1/s*');
    expect(await column('main', 1)).toEqual(['/v1/search']);
  });

  it('events explorer: raw events filtered by type and user, paged by cursor', async () => {
    await open('events');
    const first = await adminGet<EventsBody>(stack, 'events?limit=50');
    const name = (e: { event?: string; name?: string }) => e.event ?? e.name ?? '';
    expect(await column('main', 2)).toEqual(first.events.map(name));
    await expectAccessible();
    expect(first.nextCursor).not.toBeNull();
    await page.click('[data-page="next"]');
    await loaded(page, 'events');
    const second = await adminGet<EventsBody>(
      stack,
      `events?limit=50&cursor=${encodeURIComponent(first.nextCursor as string)}`,
    );
    expect(await column('main', 2)).toEqual(second.events.map(name));

    await page.selectOption('#f-type', 'page');
    await loaded(page, 'events');
    const pages = await adminGet<EventsBody>(stack, 'events?limit=50&type=page');
    expect(await column('main', 1)).toEqual(pages.events.map(() => 'page'));
    expect(new URL(page.url()).searchParams.has('cursor')).toBe(false);
  });

  it('agents and channels: each resource with its figures', async () => {
    await open('resources', 'range=30d&type=agent');
    const r = await adminGet<TopResourcesBody>(
      stack,
      'resources/top?range=30d&type=agent&limit=100',
    );
    expect((await rows('main')).map((x) => [x[1], x[4]])).toEqual(
      r.resources.map((x) => [x.id, fmt(x.messages)]),
    );
    await expectAccessible();
  });

  it('usage trends: DAU, WAU, MAU and stickiness, and each period, as the API', async () => {
    await open('usage-trends', 'range=30d&granularity=week');
    const t = await adminGet<UsageTrendsResponse>(stack, 'usage-trends?range=30d&granularity=week');
    expect(await figureOf('dau')).toBe(fmt(t.activeUsers.dau));
    expect(await figureOf('mau')).toBe(fmt(t.activeUsers.mau));
    expect(await figureOf('stickiness')).toBe(pct(t.activeUsers.stickiness));
    expect(await figureOf('total-events')).toBe(fmt(t.totals.events.value));
    expect((await rows('[aria-labelledby="s-per-week"]')).map((r) => [r[0], r[1], r[3]])).toEqual(
      t.series.map((p) => [p.period, fmt(p.activeUsers), fmt(p.events)]),
    );
    await expectAccessible();
  });

  it('feature adoption: each feature with its adoption rate and trend', async () => {
    await open('feature-adoption', 'range=30d');
    const f = await adminGet<FeatureAdoptionResponse>(stack, 'feature-adoption?range=30d');
    expect((await rows('main')).map((r) => [r[0], r[2], r[4]])).toEqual(
      f.features.map((x) => [x.name, fmt(x.usage), pct(x.adoptionRate)]),
    );
    await expectAccessible();
  });

  it('experiments: the verdict, the sample-ratio flag and each variant with its interval', async () => {
    await open('experiments');
    const { experiments } = await adminGet<{ experiments: ExperimentResult[] }>(
      stack,
      'experiment-results',
    );
    expect(experiments).toHaveLength(1);
    const e = experiments[0] as ExperimentResult;
    const box = `[data-experiment="${e.id}"]`;
    expect(await page.getAttribute(`${box} [data-verdict]`, 'data-verdict')).toBe(
      e.recommendation.action,
    );
    expect(await page.textContent(`${box} [data-verdict]`)).toContain(e.recommendation.reason);
    expect(await page.getAttribute(`${box} [data-srm]`, 'data-srm')).toBe(
      e.sampleRatio.mismatch ? 'mismatch' : 'ok',
    );
    expect((await rows(box)).map((r) => [r[0], r[1]])).toEqual(
      e.variants.map((v) => [v.name, fmt(v.exposures)]),
    );
    const treated = e.variants[1];
    const lift = treated?.comparison?.lift;
    if (lift !== null && lift !== undefined)
      expect(await page.textContent(`${box} .interval-text`)).toContain(pct(Math.abs(lift)));
    expect(await page.$$(`${box} .interval-bar`)).toHaveLength(e.variants.length - 1);
    await expectAccessible();
  });

  it('funnels: the list, a funnel’s steps as the API, one declared through the page and deleted', async () => {
    await open('funnels', 'range=30d');
    const list = await adminGet<{ funnels: { name: string; standard: boolean }[] }>(
      stack,
      'funnels',
    );
    expect(await column('main', 0)).toEqual(list.funnels.map((f) => f.name));
    expect(list.funnels.every((f) => f.standard)).toBe(true);
    await expectAccessible();

    // The demo month has services created and deployed (not signups): the `deployment` funnel.
    await page.click('main a:text-is("deployment")');
    await loaded(page, 'funnels');
    const seconds = (s: number | null | undefined) =>
      duration(s === null || s === undefined ? s : s * 1000);
    const expectFunnel = async (f: FunnelResponse) => {
      expect(await figureOf('users')).toBe(fmt(f.users));
      expect(await figureOf('converted')).toBe(fmt(f.converted));
      expect(await figureOf('conversionRate')).toBe(pct(f.conversionRate));
      expect(await figureOf('median')).toBe(seconds(f.timeToConvert.median));
      expect(await figureOf('p90')).toBe(seconds(f.timeToConvert.p90));
      expect(await rows('main')).toEqual(
        f.steps.map((s) => [
          String(s.step),
          s.event,
          fmt(s.entered),
          fmt(s.completed),
          pct(s.completionRate),
          pct(s.dropOffRate),
          pct(s.conversionRate),
          seconds(s.timeToConvert?.median),
          seconds(s.timeToConvert?.p90),
        ]),
      );
    };
    const onboarding = await adminGet<FunnelResponse>(stack, 'funnels/deployment?range=30d');
    expect(onboarding.users).toBeGreaterThan(0);
    expect(onboarding.converted).toBeGreaterThan(0);
    await expectFunnel(onboarding);
    await expectAccessible();
    const csv = await exportCsvLines();
    expect(csv.length - 1).toBe(onboarding.steps.length);

    // Declared through the page: POST …/funnels, then its own view.
    await open('funnels', 'range=30d');
    await page.fill('#funnel-name', 'chat-activation');
    await page.fill('#funnel-steps', 'conversation.started\nmessage.sent\nconversation.ended');
    await page.fill('#funnel-hours', '48');
    await page.click('#create-funnel button[type=submit]');
    await page.waitForURL(/funnel=chat-activation/);
    await loaded(page, 'funnels');
    expect(new URL(page.url()).searchParams.get('funnel')).toBe('chat-activation');
    const declared = await adminGet<{ funnels: { name: string; windowSeconds: number }[] }>(
      stack,
      'funnels',
    );
    expect(declared.funnels.find((f) => f.name === 'chat-activation')?.windowSeconds).toBe(
      48 * 3600,
    );
    await expectFunnel(await adminGet<FunnelResponse>(stack, 'funnels/chat-activation?range=30d'));

    // A bad declaration is refused with the API's reason, and nothing is saved.
    await open('funnels', 'range=30d');
    await page.fill('#funnel-name', 'one-step');
    await page.fill('#funnel-steps', 'signup.completed');
    await page.click('#create-funnel button[type=submit]');
    await page.waitForSelector('#create-funnel + .error:not(:empty)');
    expect(await page.textContent('#create-funnel + .error')).toContain('Could not save');

    page.once('dialog', (d) => void d.accept());
    await page.click('[data-delete="chat-activation"]');
    await page.waitForSelector('[data-delete="chat-activation"]', { state: 'detached' });
    await loaded(page, 'funnels');
    const after = await adminGet<{ funnels: { name: string }[] }>(stack, 'funnels');
    expect(after.funnels.map((f) => f.name)).toEqual(list.funnels.map((f) => f.name));
    expect(await column('main', 0)).toEqual(list.funnels.map((f) => f.name));
  });

  it('user segments: sizes, shares and engagement, and a segment’s members paged', async () => {
    await open('segments', 'range=30d');
    const s = await adminGet<SegmentsResponse>(stack, 'user-segments?range=30d');
    expect(await figureOf('users')).toBe(fmt(s.users));
    expect((await rows('main')).map((r) => [r[0], r[2], r[3], r[4]])).toEqual(
      s.segments.map((x) => [
        x.name,
        fmt(x.size),
        pct(x.share),
        x.engagement === null ? '–' : x.engagement.toFixed(1),
      ]),
    );
    await expectAccessible();

    await page.click('main a:text-is("power")');
    await page.waitForURL(/segment=power/);
    await loaded(page, 'segments');
    const power = await adminGet<SegmentsResponse>(
      stack,
      'user-segments?range=30d&segment=power&limit=50',
    );
    expect((await rows('[aria-labelledby="s-members-power"]')).map((r) => r[0])).toEqual(
      power.members?.users.map((m) => m.actor),
    );
    // The biggest segment, 5 a page (the URL's limit): more than one page.
    const biggest = [...s.segments].sort((a, b) => b.size - a.size)[0] as Segment;
    expect(biggest.size).toBeGreaterThan(5);
    await open('segments', `range=30d&segment=${biggest.name}&limit=5`);
    const members = `[aria-labelledby="s-members-${biggest.name}"]`;
    const first = await adminGet<SegmentsResponse>(
      stack,
      `user-segments?range=30d&segment=${biggest.name}&limit=5`,
    );
    const memberRows = (body: SegmentsResponse) =>
      (body.members?.users ?? []).map((m) => [m.actor, fmt(m.activeDays), fmt(m.events)]);
    expect((await rows(members)).map((r) => r.slice(0, 3))).toEqual(memberRows(first));
    expect(first.members?.nextCursor).toBeTruthy();
    await page.click('[data-page="next"]');
    await loaded(page, 'segments');
    const second = await adminGet<SegmentsResponse>(
      stack,
      `user-segments?range=30d&segment=${biggest.name}&limit=5&cursor=${encodeURIComponent(first.members?.nextCursor as string)}`,
    );
    expect((await rows(members)).map((r) => r.slice(0, 3))).toEqual(memberRows(second));
    expect(memberRows(second).length).toBe(Math.min(5, biggest.size - 5));
    await expectAccessible();
  });

  it('retention: the cohort grid by day and by week, on and on-or-after, as the API', async () => {
    const grid = async () =>
      page.$$eval('table.cohorts tbody tr, table.cohorts tfoot tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '')),
      );
    const expected = (r: RetentionResponse) => {
      const width = Math.max(0, ...r.average.map((a) => a.period + 1));
      const cells = (ps: { period: number; rate: number | null }[]) =>
        Array.from({ length: width }, (_, k) => {
          const p = ps.find((x) => x.period === k);
          return p ? pct(p.rate) : '';
        });
      return [
        ...r.cohorts.map((c) => [c.cohort, fmt(c.size), ...cells(c.periods)]),
        ['All cohorts', fmt(r.average[0]?.size ?? 0), ...cells(r.average)],
      ];
    };
    await open('retention', 'range=30d');
    const byDay = await adminGet<RetentionResponse>(stack, 'retention?range=30d');
    expect(byDay.cohorts.length).toBeGreaterThan(7);
    expect(await grid()).toEqual(expected(byDay));
    await expectAccessible();

    await page.click('[data-choice="cohort"] button[data-value="week"]');
    await loaded(page, 'retention');
    expect(new URL(page.url()).searchParams.get('cohort')).toBe('week');
    expect(await grid()).toEqual(
      expected(await adminGet<RetentionResponse>(stack, 'retention?range=30d&cohort=week')),
    );
    await page.click('[data-choice="mode"] button[data-value="on_or_after"]');
    await loaded(page, 'retention');
    expect(
      await page.getAttribute('[data-choice="mode"] [aria-pressed="true"]', 'data-value'),
    ).toBe('on_or_after');
    const after = await adminGet<RetentionResponse>(
      stack,
      'retention?range=30d&cohort=week&mode=on_or_after',
    );
    expect(await grid()).toEqual(expected(after));
    await expectAccessible();
  });

  it('web traffic: the figures, the chart, every table and its export as the API, values as text', async () => {
    // A visitor whose path, referrer, UTM tags and browser would run script if parsed as HTML.
    const hostile = HOSTILE_USER;
    const now = Date.now();
    const view = (path: string, at: number) => ({
      type: 'page',
      anonymousId: 'hostile-visitor',
      name: 'Hostile',
      properties: { path, url: `https://app.example.com${path}`, referrerHost: hostile },
      context: {
        campaign: { source: hostile, medium: hostile, name: hostile },
        browser: { name: hostile },
      },
      timestamp: new Date(at).toISOString(),
    });
    const sent = await request(`${stack.baseUrl}/v1/batch`, {
      headers: basic(stack.credentials.writeKey),
      body: { batch: [view(`/${hostile}`, now - 60_000), view('/pricing', now - 30_000)] },
    });
    expect(sent.status).toBe(200);
    await stack.idle();

    const before = await adminGet<WebTrafficResponse>(stack, 'web-traffic?range=30d');
    await open('web-traffic', 'range=30d');
    const t = await adminGet<WebTrafficResponse>(stack, 'web-traffic?range=30d');
    // The demo month's traffic, and the hostile visitor in it.
    expect(t.pageViews).toBeGreaterThan(100);
    expect(t.pages.map((p) => p.path)).toContain(`/${hostile}`);
    expect(await figureOf('pageViews')).toBe(fmt(t.pageViews));
    expect(await figureOf('visitors')).toBe(fmt(t.visitors));
    expect(await figureOf('sessions')).toBe(fmt(t.sessions));
    expect(await figureOf('bounceRate')).toBe(pct((t.bounceRate as number) / 100));
    expect(await figureOf('sessionDuration')).toBe(
      duration((t.avgSessionDurationSeconds as number) * 1000),
    );
    // The last 5 minutes move with the clock: what is on screen is one of the answers around it.
    expect([fmt(before.liveVisitors), fmt(t.liveVisitors)]).toContain(
      await figureOf('liveVisitors'),
    );
    expect(t.liveVisitors).toBeGreaterThanOrEqual(1);
    expect(await page.$$('[aria-labelledby="s-per-day"] .chart canvas')).not.toHaveLength(0);

    const pageRow = (p: WebTrafficResponse['pages'][number]) => [
      p.path,
      fmt(p.views),
      fmt(p.visitors),
      fmt(p.entries),
      fmt(p.exits),
    ];
    const breakdownRow = (b: Breakdown) => [b.value, fmt(b.visitors), fmt(b.sessions)];
    const expected: Record<WebTable, string[][]> = {
      pages: t.pages.map(pageRow),
      entryPages: t.entryPages.map(pageRow),
      exitPages: t.exitPages.map(pageRow),
      referrers: t.referrers.map(breakdownRow),
      utmSources: t.utmSources.map(breakdownRow),
      utmMediums: t.utmMediums.map(breakdownRow),
      utmCampaigns: t.utmCampaigns.map(breakdownRow),
      browsers: t.browsers.map(breakdownRow),
      operatingSystems: t.operatingSystems.map(breakdownRow),
      devices: t.devices.map(breakdownRow),
      daily: t.daily.map((d) => [
        d.day,
        fmt(d.pageViews),
        fmt(d.visitors),
        fmt(d.sessions),
        pct(d.bounceRate === null ? null : d.bounceRate / 100),
        duration(d.avgSessionDurationSeconds === null ? null : d.avgSessionDurationSeconds * 1000),
      ]),
    };
    const breakdown = '[aria-labelledby="s-breakdown"]';
    expect(await rows(breakdown)).toEqual(expected.pages);
    await expectAccessible();
    await screenshot(page, 'web-traffic-1280');
    for (const table of Object.keys(expected) as WebTable[]) {
      if (table === 'pages') continue;
      await page.click(`[data-choice="table"] button[data-value="${table}"]`);
      await page.waitForSelector(`[data-table="${table}"]`);
      await loaded(page, 'web-traffic');
      expect(new URL(page.url()).searchParams.get('table')).toBe(table);
      expect({ table, rows: await rows(breakdown) }).toEqual({ table, rows: expected[table] });
    }
    for (const table of ['referrers', 'utmSources', 'utmMediums', 'utmCampaigns', 'browsers'])
      expect(expected[table as WebTable].map((r) => r[0])).toContain(hostile);
    // Shown as text: the markup is in the cells' text, no element was made of it, nothing ran.
    expect(await page.$$('main img, main [onerror]')).toHaveLength(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

    // The export is the table in view (the referrers), as the API's rows.
    await page.click('[data-choice="table"] button[data-value="referrers"]');
    await page.waitForSelector('[data-table="referrers"]');
    await loaded(page, 'web-traffic');
    const csv = await exportCsvLines();
    expect(csv).toEqual(
      stringify([
        ['value', 'visitors', 'sessions'],
        ...t.referrers.map((r) => [r.value, r.visitors, r.sessions]),
      ])
        .trim()
        .split('\n'),
    );
    expect(csv.join('\n')).toContain('<img src=x onerror=');
    await expectAccessible();
  });

  it('write keys: creates one (secret shown once), lists it by prefix, revokes it', async () => {
    await open('write-keys');
    expect(await page.isVisible('#range')).toBe(false);
    await page.fill('#key-name', 'checkout <service>');
    await page.click('#create-key button[type=submit]');
    await page.waitForSelector('#new-key-secret');
    const secret = (await page.textContent('#new-key-secret')) as string;
    expect(secret).toMatch(/^tk_/);
    const { keys } = await adminGet<{ keys: WriteKeyRecord[] }>(stack, 'write-keys');
    const made = keys.find((k) => k.name === 'checkout <service>') as WriteKeyRecord;
    expect(secret.startsWith(made.prefix)).toBe(true);
    // The secret works for tracking.
    const sent = await request(`${stack.baseUrl}/v1/track`, {
      headers: basic(secret),
      body: { userId: 'zed', event: 'Key Tested' },
    });
    expect(sent.status).toBe(200);
    await page.click('#new-key button:text-is("Done")');
    await loaded(page, 'write-keys');
    expect(await page.textContent('main')).not.toContain(secret);
    expect(await column('main', 0)).toContain('checkout <service>');
    await expectAccessible();

    page.once('dialog', (d) => void d.accept());
    await page.click(`[data-revoke="${made.keyId}"]`);
    // The page is already "loaded" before the revoke's answer: wait for its button to go, which
    // the page does once the API has answered (under load that takes a while).
    await page.waitForSelector(`[data-revoke="${made.keyId}"]`, { state: 'detached' });
    await loaded(page, 'write-keys');
    const after = await adminGet<{ keys: WriteKeyRecord[] }>(stack, 'write-keys');
    expect(after.keys.find((k) => k.keyId === made.keyId)?.revokedAt).toBeTruthy();
  });

  it('shows an error with Retry when the API fails, and the page after the retry', async () => {
    let fail = true;
    await page.route('**/api/v1/analytics/tokens?*', (route) =>
      fail
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: '{"error":{"code":"unavailable","message":"Tally is busy"}}',
          })
        : route.continue(),
    );
    await page.goto(`${stack.baseUrl}/?page=tokens&project=default`);
    await page.waitForSelector('main .error-state');
    expect(await page.textContent('main .error-state')).toContain('Tally is busy');
    fail = false;
    await page.click('main .error-state .retry');
    await loaded(page, 'tokens');
    expect(await figureOf('total')).not.toBeNull();
    await page.unroute('**/api/v1/analytics/tokens?*');
  });

  it('shows the empty state of a project without data', async () => {
    const created = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=empty`, {
      headers: bearer(stack.credentials.adminToken),
      body: {},
    });
    expect(created.status).toBe(201);
    await page.goto(`${stack.baseUrl}/?page=api-usage&project=empty`);
    await loaded(page, 'api-usage');
    expect(await page.textContent('main tbody')).toBe('No API calls tracked in this range');
    await page.goto(`${stack.baseUrl}/?page=web-traffic&project=empty`);
    await loaded(page, 'web-traffic');
    expect(await figureOf('pageViews')).toBe('0');
    expect(await page.textContent('[aria-labelledby="s-breakdown"] tbody')).toBe(
      'No page views in this range',
    );
    await page.goto(`${stack.baseUrl}/?page=experiments&project=empty`);
    await loaded(page, 'experiments');
    expect(await page.textContent('main')).toContain('No experiment');
  });

  it('fits every page at 390 px without sideways scrolling', async () => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await narrow.goto(stack.baseUrl);
    await narrow.click('#sign-in');
    await loaded(narrow);
    const ids = await narrow.$$eval('#nav a', (as) =>
      as.map((a) => new URL((a as HTMLAnchorElement).href).searchParams.get('page') ?? 'overview'),
    );
    expect(ids.length).toBeGreaterThanOrEqual(16);
    for (const id of ids) {
      await narrow.goto(`${stack.baseUrl}/?page=${id}&project=default&range=30d`);
      await loaded(narrow, id);
      const width = await narrow.evaluate(() => {
        const wide = [...document.querySelectorAll('body *')].filter(
          (el) =>
            el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap, nav, tally-panel'),
        );
        return wide.length
          ? wide
              .slice(0, 3)
              .map((el) => `${el.tagName}.${el.className}`)
              .join(' ')
          : document.documentElement.scrollWidth;
      });
      expect({ id, width }).toEqual({ id, width: 390 });
      await screenshot(narrow, `${id}-390`);
    }
    await narrow.close();
    // Sixteen pages, each loaded and measured: ~60 s on a loaded 2-core machine.
  }, 240_000);
});
