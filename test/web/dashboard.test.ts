/**
 * The dashboard in headless Chromium against the local twin: one-click sign-in through the local
 * issuer, the overview's figures against the API's, colours that follow each metric's meaning,
 * the project and range pickers in the URL, text-only rendering of hostile ids, 390 px, the
 * favicon, the "no access" page, expiry and silent refresh, export and sign-out; axe-core on the
 * sign-in and no-access pages (every other page: pages.test.ts).
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric, OverviewMetric } from '../../lambdas/admin/reports/usage/overview.ts';
import type { LocalStack } from '../../local/stack.ts';
import { fmt, ms, pct } from '../../web/format.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { launchChromium } from '../helpers/browser.ts';
import {
  adminGet,
  HOSTILE_USER,
  loaded,
  screenshot,
  seedDashboard,
  signIn,
} from '../helpers/dashboard.ts';
import { request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack('web');
  browser = await launchChromium();
  await seedDashboard(stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

type Overview = Record<OverviewMetric, Metric>;
const cardValue = (page: Page, key: string) => page.textContent(`[data-metric="${key}"] .value`);
const SHOWN: [OverviewMetric, (n: number | null) => string][] = [
  ['totalEvents', fmt],
  ['activeUsers', fmt],
  ['newUsers', fmt],
  ['conversations', fmt],
  ['messages', fmt],
  ['tokens', fmt],
  ['avgResponseTimeMs', ms],
  ['apiErrorRate', pct],
];

async function expectOverviewOf(page: Page, query: string) {
  const { overview } = await adminGet<{ overview: Overview }>(stack, `dashboard?${query}`);
  for (const [key, show] of SHOWN)
    expect(await cardValue(page, key)).toBe(show(overview[key].value));
}

// Each test drives a whole browser page on a shared 2-core machine: room for a loaded one.
describe('dashboard', { timeout: 90_000 }, () => {
  it('signs in with one click through the local issuer, keeping the session out of localStorage', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    expect(new URL(page.url()).search).toBe('?project=default');
    const storage = await page.evaluate(() => ({
      local: Object.values(localStorage).join(' '),
      session: sessionStorage.getItem('tally.session') ?? '',
    }));
    expect(storage.session).toMatch(/"idToken":"eyJ/);
    expect(storage.session).toMatch(/"refreshToken":"/);
    expect(storage.local).not.toContain('eyJ');
    await expectOverviewOf(page, 'project=default&range=7d');
    expect(await cardValue(page, 'totalEvents')).toBe('9');
    await page.close();
  });

  it('colours each change by whether it is good for that metric', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    const change = (key: string) =>
      page.$eval(`[data-metric="${key}"] .change`, (el) => ({
        tone: (el as HTMLElement).dataset.tone,
        text: el.textContent,
        colour: getComputedStyle(el).color,
      }));
    const errorRate = await change('apiErrorRate');
    const latency = await change('avgResponseTimeMs');
    const events = await change('totalEvents');
    // 50 % → 25 %: falling is good. 300 → 900 ms: rising is bad. More events: good.
    expect(errorRate).toMatchObject({ tone: 'good', text: '▼ 50 % (better)' });
    expect(latency).toMatchObject({ tone: 'bad', text: '▲ 200 % (worse)' });
    expect(events.tone).toBe('good');
    expect(errorRate.colour).toBe('rgb(27, 122, 70)');
    expect(latency.colour).toBe('rgb(179, 38, 30)');
    await page.close();
  });

  it('names in the picker the project whose figures are shown, and keeps project and range in the URL', async () => {
    const page = await signIn(browser, stack, '/?range=30d');
    await loaded(page);
    // A project remembered from another session that the token cannot see does not win.
    await page.evaluate(() => localStorage.setItem('tally.project', 'gone'));
    await page.goto(`${stack.baseUrl}/?range=30d`);
    await loaded(page);
    expect(await page.inputValue('#project')).toBe('default');
    expect(await page.getAttribute('main [data-project]', 'data-project')).toBe('default');

    await page.selectOption('#project', 'shop');
    await loaded(page);
    expect(new URL(page.url()).searchParams.get('project')).toBe('shop');
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d');
    expect(await page.inputValue('#project')).toBe('shop');
    expect(await page.getAttribute('main [data-project]', 'data-project')).toBe('shop');
    await expectOverviewOf(page, 'project=shop&range=30d');
    expect(await cardValue(page, 'totalEvents')).toBe('1');

    // The shared link opens the same view.
    const link = page.url();
    const other = await browser.newPage();
    await other.goto(link);
    await other.click('#sign-in');
    await loaded(other);
    expect(await other.inputValue('#project')).toBe('shop');
    expect(await other.inputValue('#range')).toBe('30d');
    expect(await cardValue(other, 'totalEvents')).toBe('1');
    await other.close();
    await page.close();
  });

  it('changes the range from the picker, custom dates included, with history', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    await page.selectOption('#range', '24h');
    await loaded(page);
    expect(new URL(page.url()).searchParams.get('range')).toBe('24h');
    await expectOverviewOf(page, 'project=default&range=24h');

    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    await page.selectOption('#range', 'custom');
    await page.fill('#from', day(12));
    await page.fill('#to', day(8));
    await page.click('#custom button[type=submit]');
    await loaded(page);
    const url = new URL(page.url());
    expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual([day(12), day(8)]);
    await expectOverviewOf(page, `project=default&from=${day(12)}&to=${day(8)}`);
    expect(await cardValue(page, 'totalEvents')).toBe('3');

    await page.goBack();
    await loaded(page);
    expect(await page.inputValue('#range')).toBe('24h');
    await page.close();
  });

  it('shows user ids and event names as text, never as markup', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    const cells = await page.$$eval('main td, main li span', (els) =>
      els.map((e) => e.textContent),
    );
    expect(cells).toContain(HOSTILE_USER);
    expect(await page.$$('main img, main b')).toHaveLength(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });

  it('fits a 390 px screen without sideways scrolling, and at 1280 px', async () => {
    for (const width of [390, 1280]) {
      const page = await browser.newPage({ viewport: { width, height: 844 } });
      await page.goto(stack.baseUrl);
      await page.click('#sign-in');
      await loaded(page);
      const sizes = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        header: Math.ceil(
          (document.querySelector('header') as HTMLElement).getBoundingClientRect().right,
        ),
        controls: Math.ceil(
          (document.querySelector('#controls') as HTMLElement).getBoundingClientRect().right,
        ),
      }));
      expect(sizes.page).toBeLessThanOrEqual(width);
      expect(sizes.header).toBeLessThanOrEqual(width);
      expect(sizes.controls).toBeLessThanOrEqual(width);
      await screenshot(page, `overview-${width}`);
      await page.close();
    }
  });

  it('serves /favicon.ico', async () => {
    const res = await fetch(`${stack.baseUrl}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });

  it('shows "no access" to a signed-in user without the admin role', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.baseUrl}/`);
    await page.waitForSelector('#sign-in');
    expect(await seriousViolations(page)).toEqual([]);
    // The local issuer's `role=viewer` signs in a non-admin through the same code flow.
    await page.route('**/local/oauth2/authorize?*', (route) =>
      route.continue({ url: `${route.request().url()}&role=viewer&login_hint=vera` }),
    );
    await page.click('#sign-in');
    await page.waitForSelector('#no-access');
    expect(await page.textContent('#no-access')).toContain('vera@localhost');
    expect(await page.isVisible('#nav')).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('returns an expired session to sign-in, then to the page the admin was on', async () => {
    const page = await signIn(browser, stack, '/?range=30d');
    await loaded(page);
    // The session ends (no refresh token left, and a token the API refuses).
    await page.evaluate(() =>
      sessionStorage.setItem(
        'tally.session',
        JSON.stringify({ idToken: 'eyJx.eyJ4.x', expiresAt: Date.now() + 3_600_000 }),
      ),
    );
    await page.selectOption('#project', 'shop');
    await page.waitForSelector('#sign-in');
    expect(await page.textContent('main')).toContain('Your session has ended');
    expect(new URL(page.url()).search).toBe('?project=shop&range=30d');
    await page.click('#sign-in');
    await loaded(page);
    expect(new URL(page.url()).search).toBe('?project=shop&range=30d');
    expect(await cardValue(page, 'totalEvents')).toBe('1');
    await page.close();
  });

  it('refreshes the session silently before it expires', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    const before = await page.evaluate(() =>
      JSON.parse(sessionStorage.getItem('tally.session') ?? '{}'),
    );
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('tally.session') ?? '{}');
      sessionStorage.setItem(
        'tally.session',
        JSON.stringify({ ...s, expiresAt: Date.now() + 5_000 }),
      );
    });
    await page.selectOption('#range', '30d');
    await loaded(page);
    const after = await page.evaluate(() =>
      JSON.parse(sessionStorage.getItem('tally.session') ?? '{}'),
    );
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.idToken).not.toBe(before.idToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(await page.isVisible('#sign-in')).toBe(false);
    await page.close();
  });

  it('exports the table in view as CSV, the same rows as the API', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-export="csv"]'),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^tally-daily-stats-default-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = readFileSync((await download.path()) as string, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^date,totalUsers,activeUsers,newUsers,/);
    const { days } = await adminGet<{ days: { date: string }[] }>(stack, 'daily-stats?range=7d');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(days.map((d) => d.date));
    await page.close();
  });

  it('signs out: the session is gone from the tab', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in');
    expect(await page.evaluate(() => sessionStorage.getItem('tally.session'))).toBeNull();
    const res = await request(`${stack.baseUrl}/config.json`);
    expect(res.body).toMatchObject({ auth: { type: 'oidc', clientId: 'tally' } });
    await page.close();
  });
});
