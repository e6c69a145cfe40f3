/** Shared by the dashboard's browser tests: seeded data, one-click sign-in, and screenshots. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { sendDemo } from '../../scripts/demo-data.ts';
import { seeded } from './faults.ts';
import { basic, bearer, request } from './http.ts';

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** A user id and an event name that would run script if the page parsed them as HTML. */
export const HOSTILE_USER = '<img src=x onerror="window.__xss=1">';
export const HOSTILE_EVENT = '<b onmouseover="window.__xss=1">bold</b>';

const daysAgo = (n: number, hour = 12) => {
  const d = new Date(Date.now() - n * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};

const api = (ok: boolean, timestamp?: string) => ({
  userId: 'bob',
  event: 'api.request',
  properties: { endpoint: '/chat', method: 'POST', statusCode: ok ? 200 : 500, durationMs: 80 },
  ...(timestamp ? { timestamp } : {}),
});

/**
 * Two weeks of a small chat product in `default` (the week before: API error rate 50 % and 300 ms
 * responses; this week: 25 % and 900 ms, so one change is good news and one bad), and one event
 * in a second project, `shop`.
 */
export async function seedDashboard(stack: LocalStack): Promise<void> {
  const before = daysAgo(10);
  const events = [
    { userId: 'ada', event: 'conversation.started', properties: { conversationId: 'c1' } },
    {
      userId: 'ada',
      event: 'message.sent',
      properties: { conversationId: 'c1', tokens: 1200, responseTimeMs: 900 },
    },
    { userId: 'bob', event: 'message.sent', properties: { tokens: 300, responseTimeMs: 900 } },
    api(false),
    api(true),
    api(true),
    api(true),
    { userId: HOSTILE_USER, event: HOSTILE_EVENT },
    { userId: 'cy', event: 'Signed Up', timestamp: daysAgo(1) },
    {
      userId: 'ada',
      event: 'message.sent',
      properties: { tokens: 100, responseTimeMs: 300 },
      timestamp: before,
    },
    api(false, before),
    api(true, before),
  ];
  const res = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(stack.credentials.writeKey),
    body: { batch: events.map((e) => ({ type: 'track', ...e })) },
  });
  expect(res.status).toBe(200);
  const key = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=shop`, {
    headers: bearer(stack.credentials.adminToken),
    body: {},
  });
  expect(key.status).toBe(201);
  const shop = await request(`${stack.baseUrl}/v1/track`, {
    headers: basic((key.body as { writeKey: string }).writeKey),
    body: { userId: 'dee', event: 'Order Completed' },
  });
  expect(shop.status).toBe(200);
  await stack.idle();
}

/** A month of the demo chat product (scripts/demo-data.ts) in `default`; resolves once ingested. */
export async function seedDemo(stack: LocalStack, now = Date.now()): Promise<number> {
  const sent = await sendDemo(stack.credentials, seeded(13), now);
  await stack.idle();
  return sent;
}

/** An admin API answer, as the test's own reference for the figures on screen. */
export async function adminGet<T>(stack: LocalStack, path: string): Promise<T> {
  const res = await request(`${stack.baseUrl}/api/v1/analytics/${path}`, {
    headers: bearer(stack.credentials.adminToken),
  });
  expect(res.status).toBe(200);
  return res.body as T;
}

/** Opens `path` and signs in with the one click the local issuer needs; resolves on the page. */
export async function signIn(browser: Browser, stack: LocalStack, path = '/'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${stack.baseUrl}${path}`);
  await page.click('#sign-in');
  await page.waitForSelector('main[data-loaded]');
  return page;
}

/** Waits until the main area has rendered `pageId` (after a navigation). */
export async function loaded(page: Page, pageId = 'overview'): Promise<void> {
  await page.waitForFunction(
    (id) => {
      const main = document.querySelector('main');
      return main?.dataset.loaded === id && !main.querySelector('[aria-busy="true"]');
    },
    pageId,
    { timeout: 10_000 },
  );
}

/** Saves a full-page screenshot under test/artifacts/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
