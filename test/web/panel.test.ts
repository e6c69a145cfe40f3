/**
 * The side panel in headless Chromium: opened from the dashboard's header (figures against the
 * API's, open state remembered), and as `<tally-panel>` embedded from one script in a page on
 * another origin, with its 30 s refresh driven by the page's clock: paused while the tab is
 * hidden, one request at a time, and on demand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopUsersBody } from '../../lambdas/admin/reports/people/users.ts';
import type { Summary } from '../../lambdas/admin/reports/summary.ts';
import type { LocalStack } from '../../local/stack.ts';
import { fmt, ms } from '../../web/format.ts';
import { launchChromium } from '../helpers/browser.ts';
import { adminGet, loaded, screenshot, seedDashboard, signIn } from '../helpers/dashboard.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;
let product: Server;
let productUrl: string;

/** The product's own admin page: another origin, embedding the panel from Tally's one script. */
const productPage = (tally: string, token: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme admin</title>
<script type="module" src="${tally}/tally-panel.js"></script></head>
<body><main><h1>Acme admin</h1>
<tally-panel id="analytics" api="${tally}" project="default" inline></tally-panel></main>
<script type="module">
  await customElements.whenDefined('tally-panel');
  // The product hands the panel its own admin session's token.
  document.getElementById('analytics').getToken = async () => ${JSON.stringify(token)};
</script></body></html>`;

beforeAll(async () => {
  let page = '';
  product = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((r) => product.listen(0, '127.0.0.1', () => r()));
  productUrl = `http://localhost:${(product.address() as AddressInfo).port}`;
  stack = await startTestStack('panel', { corsOrigins: [productUrl] });
  page = productPage(stack.baseUrl, await stack.issuer.mint({ role: 'admin', expiresIn: '1h' }));
  browser = await launchChromium();
  await seedDashboard(stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((r) => product?.close(r));
});

const inPanel = (page: Page, selector: string) => page.locator(`tally-panel ${selector}`);

async function expectFigures(page: Page) {
  const summary = await adminGet<Summary>(stack, 'summary');
  const top = await adminGet<TopUsersBody>(stack, 'users/top?range=7d&limit=5');
  const metric = (key: string) => inPanel(page, `[data-metric="${key}"] strong`).textContent();
  for (const key of [
    'totalUsers',
    'activeUsersToday',
    'totalConversations',
    'totalMessages',
    'totalTokens',
  ] as const)
    expect(await metric(key)).toBe(fmt(summary[key]));
  expect(await metric('avgResponseTimeMs')).toBe(ms(summary.avgResponseTimeMs));
  expect(await inPanel(page, '.top-users .who').allTextContents()).toEqual(
    top.users.map((u) => u.userId),
  );
  expect(await inPanel(page, '.top-users .rank').allTextContents()).toEqual(
    top.users.map((_, i) => String(i + 1)),
  );
  const times = await inPanel(page, '.activities time').allTextContents();
  expect(times.length).toBeGreaterThan(0);
  expect(times.length).toBeLessThanOrEqual(10);
  for (const t of times) expect(t).toMatch(/^\d+[smhd] ago$/);
}

/** Counts the panel's requests to the API, and how many were in flight at once at most. */
function watchRequests(page: Page) {
  const seen = { total: 0, inFlight: 0, maxInFlight: 0 };
  page.on('request', (r) => {
    if (!r.url().includes('/api/v1/analytics/dashboard') || r.method() !== 'GET') return;
    seen.total++;
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
  });
  const done = (r: { url(): string; method(): string }) => {
    if (r.url().includes('/api/v1/analytics/dashboard') && r.method() === 'GET') seen.inFlight--;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return seen;
}

const refreshed = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        document
          .querySelector('tally-panel')
          ?.addEventListener('tally-panel-refresh', () => resolve(), { once: true }),
      ),
  );

describe('side panel', { timeout: 120_000 }, () => {
  it('opens from the dashboard header with the API figures, and stays open across a reload', async () => {
    const page = await signIn(browser, stack);
    await loaded(page);
    expect(await page.getAttribute('#panel-toggle', 'aria-expanded')).toBe('false');
    const first = refreshed(page);
    await page.click('#panel-toggle');
    await first;
    expect(await page.getAttribute('#panel-toggle', 'aria-expanded')).toBe('true');
    await page.locator('tally-panel').waitFor({ state: 'visible' });
    await expectFigures(page);
    await screenshot(page, 'panel-1280');

    await page.reload();
    await loaded(page);
    expect(await page.getAttribute('tally-panel', 'open')).toBe('');
    await inPanel(page, '.close').click();
    await page.reload();
    await loaded(page);
    expect(await page.getAttribute('tally-panel', 'open')).toBeNull();
    await page.close();
  });

  it('embeds as <tally-panel> from one script on another origin, refreshing every 30 s while visible', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    const seen = watchRequests(page);
    await page.goto(productUrl);
    await inPanel(page, '.top-users').waitFor();
    await expectFigures(page);
    expect(seen.total).toBe(1);

    // From here the page's clock moves only when the test moves it.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 100);
    await page.clock.runFor(25_000);
    expect(seen.total).toBe(1);
    const next = refreshed(page);
    await page.clock.runFor(10_000);
    await next;
    expect(seen.total).toBe(2);

    // Hidden: no refresh, however long.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.clock.runFor(120_000);
    expect(seen.total).toBe(2);
    // Visible again after more than 30 s: refreshed at once.
    const back = refreshed(page);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.clock.runFor(100);
    await back;
    expect(seen.total).toBe(3);
    expect(seen.maxInFlight).toBe(1);
    await screenshot(page, 'panel-embedded');
    await page.close();
  });

  it('refreshes on demand, never with two requests in flight', async () => {
    const page = await browser.newPage();
    const seen = watchRequests(page);
    await page.goto(productUrl);
    await inPanel(page, '.top-users').waitFor();
    // Hold the next answer so the clicks land while it is in flight.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/v1/analytics/dashboard*', async (route) => {
      await held;
      await route.continue();
    });
    const done = refreshed(page);
    await page.evaluate(() => {
      const button = document
        .querySelector('tally-panel')
        ?.shadowRoot?.querySelector('.refresh') as HTMLButtonElement;
      button.click();
      button.click();
      (document.querySelector('tally-panel') as unknown as { refresh(): Promise<void> }).refresh();
    });
    release();
    await done;
    expect(seen.total).toBe(2);
    expect(seen.maxInFlight).toBe(1);
    await page.close();
  });

  it('refuses the API to a page on an origin not allowed', async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/analytics/dashboard`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await fetch(`${stack.baseUrl}/api/v1/analytics/dashboard`, {
      method: 'OPTIONS',
      headers: { origin: productUrl, 'access-control-request-method': 'GET' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(productUrl);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});
