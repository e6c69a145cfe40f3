/**
 * The browser tracker in headless Chromium, installed with one tag on a page served from another
 * origin than Tally's: page views on load and across single-page-app navigations (pushState,
 * replaceState to a new address, back), a custom event, and a call queued before the script
 * loaded, counted through the admin API; Do-Not-Track and Global Privacy Control send nothing; a
 * key limited to other origins is refused with its reason; a browser key is no admin credential.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TallyEvent } from '../../lambdas/model/events.ts';
import type { LocalStack } from '../../local/stack.ts';
import { launchChromium } from '../helpers/browser.ts';
import { signIn } from '../helpers/dashboard.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;
let site: Server;
let siteOrigin: string;
/** The write key each site page installs the tracker with. */
const keyOf: Record<string, string> = {};

/** A product's page: the one-tag install, the queue snippet, and an SPA router. */
const sitePage = (tally: string, key: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme</title>
<script>window.tally=window.tally||function(){(tally.q=tally.q||[]).push(arguments)};
tally('Early Bird', { from: 'queue' });</script>
<script defer src="${tally}/t.js" data-key="${key}"></script></head>
<body><main><h1>Acme</h1>
<button id="pricing">Pricing</button><button id="signup">Sign up</button>
</main>
<script>
  document.getElementById('pricing').onclick = () => {
    history.pushState({}, '', '/pricing?utm_source=newsletter');
    document.title = 'Pricing';
  };
  document.getElementById('signup').onclick = () => tally('Signup Clicked', { plan: 'pro' });
</script></body></html>`;

async function admin<T>(path: string, body?: unknown): Promise<T> {
  const res = await request(`${stack.baseUrl}/api/v1/analytics/${path}`, {
    headers: bearer(stack.credentials.adminToken),
    ...(body === undefined ? {} : { body }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(body === undefined ? 200 : 201);
  return res.body as T;
}

const createKey = (project: string, body: Record<string, unknown>) =>
  admin<{ writeKey: string; kind?: string; origins?: string[] }>(
    `write-keys?project=${project}`,
    body,
  );

/** Every event of a project, oldest first, as the admin API lists them. */
async function eventsOf(project: string): Promise<TallyEvent[]> {
  await stack.idle();
  const body = await admin<{ events: TallyEvent[] }>(
    `events?project=${project}&range=24h&limit=100`,
  );
  return [...body.events].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** Opens the site's page `path` (its write key chosen by the path's project) and counts beacons. */
async function open(path: string, init?: () => void): Promise<{ page: Page; sent: string[] }> {
  const context = await browser.newContext();
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${stack.baseUrl}/v1/`)) sent.push(new URL(r.url()).pathname);
  });
  await page.goto(`${siteOrigin}${path}`);
  await page.waitForFunction(
    () =>
      typeof (window as { tally?: unknown }).tally === 'function' &&
      !('q' in (window as unknown as { tally: object }).tally),
  );
  return { page, sent };
}

/** Resolves once `n` tracking requests have answered. */
async function answered(page: Page, n: number, sent: string[]): Promise<void> {
  await expect.poll(() => sent.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(n);
  await page.waitForLoadState('networkidle');
}

beforeAll(async () => {
  site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const project = url.searchParams.get('p') ?? 'site';
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(sitePage(stack.baseUrl, keyOf[project] ?? ''));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  // localhost vs the twin's 127.0.0.1, and another port: another origin.
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  stack = await startTestStack('tracker');
  browser = await launchChromium();
  const browserKey = await createKey('site', {
    name: 'acme.example',
    kind: 'browser',
    origins: [siteOrigin],
  });
  expect(browserKey).toMatchObject({ kind: 'browser', origins: [siteOrigin] });
  keyOf.site = browserKey.writeKey;
  keyOf.dnt = (await createKey('dnt', { kind: 'browser' })).writeKey;
  keyOf.elsewhere = (
    await createKey('elsewhere', { kind: 'browser', origins: ['https://elsewhere.example'] })
  ).writeKey;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((r) => site?.close(r));
});

describe('the tracker on a page of another origin', () => {
  it('records page views across SPA navigations, custom and queued events, cookieless', async () => {
    const { page, sent } = await open('/?p=site');
    await answered(page, 2, sent); // the page view and the queued event
    await page.click('#pricing'); // pushState: a page view
    await page.evaluate(() => history.replaceState({}, '', location.href)); // same address: none
    await page.evaluate(() => history.replaceState({}, '', '/pricing/annual')); // a new one
    await page.click('#signup'); // a custom event
    // popstate back to the first entry (replaceState took the place of /pricing's).
    await page.goBack();
    await answered(page, 6, sent);
    expect(sent.sort()).toEqual(
      ['/v1/page', '/v1/page', '/v1/page', '/v1/page', '/v1/track', '/v1/track'].sort(),
    );
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

    const events = await eventsOf('site');
    const pages = events.filter((e) => e.type === 'page');
    const tracks = events.filter((e) => e.type === 'track');
    expect(pages.map((e) => e.properties.path)).toEqual(['/', '/pricing', '/pricing/annual', '/']);
    expect(pages[1]?.context.campaign).toEqual({ source: 'newsletter' });
    expect(tracks.map((e) => [e.event, e.properties])).toEqual(
      expect.arrayContaining([
        ['Early Bird', { from: 'queue' }],
        ['Signup Clicked', { plan: 'pro' }],
      ]),
    );
    // One visitor, named by the tracking API (the script sends no id).
    const visitors = new Set(events.map((e) => e.anonymousId));
    expect(visitors.size).toBe(1);
    expect([...visitors][0]).toMatch(/^v_/);
    expect(events.every((e) => e.userId === undefined)).toBe(true);
    // Its browser, from the request's User-Agent (the script sends none).
    expect(pages[0]?.context).toMatchObject({
      browser: { name: 'Chrome' },
      library: { name: 'tally.js' },
    });
    // The web-traffic report: one visitor, one session (no gap over 30 minutes), four page
    // views, entered on / with the two track calls as other events: no bounce.
    const traffic = await admin<Record<string, unknown>>('web-traffic?project=site&range=24h');
    expect(traffic).toMatchObject({
      pageViews: 4,
      visitors: 1,
      sessions: 1,
      bounces: 0,
      liveVisitors: 1,
      entryPages: [{ path: '/', entries: 1 }],
      exitPages: [{ path: '/', exits: 1 }],
      browsers: [{ value: 'Chrome', visitors: 1, sessions: 1 }],
    });
    await page.context().close();
  }, 120_000);

  it.each([
    [
      'Do-Not-Track',
      () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }),
    ],
    [
      'Global Privacy Control',
      () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    ],
  ])(
    "sends nothing under %s, and the page's own calls still work",
    async (_, init) => {
      const { page, sent } = await open('/?p=dnt', init);
      await page.click('#pricing');
      await page.click('#signup');
      await page.waitForLoadState('networkidle');
      expect(sent).toEqual([]);
      expect(await eventsOf('dnt')).toEqual([]);
      await page.context().close();
    },
    60_000,
  );

  it('is refused, with the reason, when its key is limited to other origins', async () => {
    const { page, sent } = await open('/?p=elsewhere');
    await answered(page, 2, sent);
    // The same call as the beacon, from the page, where the answer can be read (CORS).
    const answer = await page.evaluate(
      async ([api, key]) => {
        const res = await fetch(`${api}/v1/page`, {
          method: 'POST',
          body: JSON.stringify({ writeKey: key, properties: { path: '/' } }),
        });
        return { status: res.status, body: await res.json() };
      },
      [stack.baseUrl, keyOf.elsewhere] as const,
    );
    expect(answer).toMatchObject({
      status: 403,
      body: {
        code: 'forbidden',
        message: `origin ${siteOrigin} is not allowed for this write key (allowed: https://elsewhere.example)`,
      },
    });
    expect(await eventsOf('elsewhere')).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("answers a tracking preflight for the page's origin; a browser key opens no admin route", async () => {
    const preflight = await fetch(`${stack.baseUrl}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: siteOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(siteOrigin);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    for (const auth of [
      bearer(keyOf.site ?? ''),
      { authorization: `Basic ${btoa(`${keyOf.site}:`)}` },
    ]) {
      const res = await request(`${stack.baseUrl}/api/v1/analytics/summary?project=site`, {
        headers: auth,
      });
      expect(res.status).toBe(401);
    }
  });

  it("a browser key limited to origins can be made on the dashboard's write-keys page", async () => {
    const page = await signIn(browser, stack, '/?page=write-keys&project=site');
    await page.fill('#key-name', 'made on the dashboard');
    await page.fill('#key-origins', `${siteOrigin}, https://www.example.com`);
    await page.check('#key-browser');
    await page.click('#create-key button[type=submit]');
    await page.waitForSelector('#new-key-secret');
    const { keys } = await admin<{ keys: { name: string; kind?: string; origins?: string[] }[] }>(
      'write-keys?project=site',
    );
    expect(keys.find((k) => k.name === 'made on the dashboard')).toMatchObject({
      kind: 'browser',
      origins: [siteOrigin, 'https://www.example.com'],
    });
    await page.context().close();
  }, 60_000);
});
