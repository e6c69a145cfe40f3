/** The dashboard in a real headless browser against the local twin. */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { launchChromium } from '../helpers/browser.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack('web');
  browser = await launchChromium();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const events = [
    { userId: 'ada', event: 'conversation.started', properties: { conversationId: 'c1' } },
    {
      userId: 'ada',
      event: 'message.sent',
      properties: { conversationId: 'c1', tokens: 1200, responseTimeMs: 900 },
    },
    { userId: 'bob', event: 'message.sent', properties: { tokens: 300, responseTimeMs: 300 } },
    {
      userId: 'bob',
      event: 'api.request',
      properties: { endpoint: '/chat', method: 'POST', statusCode: 500, durationMs: 120 },
    },
    {
      userId: 'bob',
      event: 'api.request',
      properties: { endpoint: '/chat', method: 'POST', statusCode: 200, durationMs: 80 },
    },
    { userId: 'cy', event: 'Signed Up', timestamp: yesterday },
  ];
  const res = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(stack.credentials.writeKey),
    body: { batch: events.map((e) => ({ type: 'track', ...e })) },
  });
  expect(res.status).toBe(200);
  await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=shop`, {
    headers: bearer(stack.credentials.adminToken),
    body: {},
  });
  await stack.idle();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function open(path = '/'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${stack.baseUrl}${path}#token=${stack.credentials.adminToken}`);
  await page.waitForSelector('#dashboard:not([hidden])');
  return page;
}

/** The text of each element, its children's texts joined by one space (table cells, list parts). */
const texts = (page: Page, selector: string) =>
  page.$$eval(selector, (els) =>
    els.map((e) =>
      [...e.children]
        .map((c) => (c as HTMLElement).innerText)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );

describe('dashboard', () => {
  it('shows the summary after receiving the token in the URL fragment, and drops it from the URL', async () => {
    const page = await open();
    const metric = (name: string) => page.textContent(`[data-metric="${name}"]`);
    expect(await metric('totalEvents')).toBe('6');
    expect(await metric('totalUsers')).toBe('3');
    expect(await metric('activeUsersToday')).toBe('2');
    expect(await metric('totalConversations')).toBe('1');
    expect(await metric('totalMessages')).toBe('2');
    expect(await metric('totalTokens')).toBe('1,500');
    expect(await metric('avgResponseTimeMs')).toBe('600 ms');
    expect(page.url()).not.toContain('token=');
    expect(await page.isVisible('#token-form')).toBe(false);
    expect(await page.isVisible('#dashboard')).toBe(true);
    await page.close();
  });

  it('shows the week against the one before, the daily chart, top users, recent activity and API health', async () => {
    const page = await open();
    expect(await page.textContent('[data-week="totalEvents"] strong')).toBe('6');
    expect(await page.textContent('[data-week="apiErrorRate"] strong')).toBe('50 %');
    const bars = await page.$$eval('#daily-chart g', (gs) =>
      gs.map((g) => Number(g.getAttribute('data-events'))),
    );
    expect(bars).toHaveLength(14);
    expect(bars.slice(-2)).toEqual([1, 5]);
    expect(await texts(page, '#top-users tbody tr')).toEqual([
      'bob 3 1 300',
      'ada 2 1 1,200',
      'cy 1 0 0',
    ]);
    const recent = await texts(page, '#recent li');
    expect(recent).toHaveLength(6);
    expect(recent.every((r) => /ago$/.test(r))).toBe(true);
    expect(await texts(page, '#api tbody tr')).toEqual(['POST /chat 2 1 50 %']);
    await page.close();
  });

  it('downloads the daily stats as CSV with the token', async () => {
    const page = await open();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-export^="daily-stats"]'),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^tally-daily-stats-default-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = readFileSync((await download.path()) as string, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^date,totalUsers,activeUsers,newUsers,/);
    expect(lines).toHaveLength(15);
    await page.close();
  });

  it('switches project from the picker', async () => {
    const page = await open();
    await page.waitForSelector('#project:not([hidden])');
    await page.selectOption('#project', 'shop');
    // Well under the 30 s test timeout, so a failure names this wait instead of the test timing out.
    await page.waitForFunction(
      () => document.querySelector('[data-metric="totalEvents"]')?.textContent === '0',
      undefined,
      { timeout: 10_000 },
    );
    await page.close();
  });

  it('asks for a token, refuses a bad one with a message, and accepts a pasted good one', async () => {
    const page = await browser.newPage();
    await page.goto(stack.baseUrl);
    await page.waitForSelector('#token-form:not([hidden])');
    await page.fill('#token-input', 'not-a-token');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(
      () => document.querySelector('#token-error')?.textContent?.includes('not accepted'),
      undefined,
      { timeout: 10_000 },
    );
    await page.fill('#token-input', stack.credentials.adminToken);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#dashboard:not([hidden])');
    expect(await page.textContent('[data-metric="totalEvents"]')).toBe('6');
    await page.click('#sign-out');
    await page.waitForSelector('#token-form:not([hidden])');
    expect(await page.isVisible('#dashboard')).toBe(false);
    await page.close();
  });
});
