import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { launchChromium } from '../helpers/browser.ts';
import { basic, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack('web');
  browser = await launchChromium();
  const events = [
    { userId: 'ada', event: 'conversation.started' },
    { userId: 'ada', event: 'message.sent', properties: { tokens: 1200, responseTimeMs: 900 } },
    { userId: 'bob', event: 'message.sent', properties: { tokens: 300, responseTimeMs: 300 } },
  ];
  for (const body of events) {
    const res = await request(`${stack.baseUrl}/v1/track`, {
      headers: basic(stack.credentials.writeKey),
      body,
    });
    expect(res.status).toBe(200);
  }
  await stack.idle();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('dashboard', () => {
  it('shows the summary after receiving the token in the URL fragment, and drops it from the URL', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.baseUrl}/#token=${stack.credentials.adminToken}`);
    await page.waitForSelector('#summary:not([hidden])');
    const metric = (name: string) => page.textContent(`[data-metric="${name}"]`);
    expect(await metric('totalEvents')).toBe('3');
    expect(await metric('totalUsers')).toBe('2');
    expect(await metric('activeUsersToday')).toBe('2');
    expect(await metric('totalConversations')).toBe('1');
    expect(await metric('totalMessages')).toBe('2');
    expect(await metric('totalTokens')).toBe('1,500');
    expect(await metric('avgResponseTimeMs')).toBe('600 ms');
    expect(page.url()).not.toContain('token=');
    await page.close();
  });

  it('asks for a token, refuses a bad one with a message, and accepts a pasted good one', async () => {
    const page = await browser.newPage();
    await page.goto(stack.baseUrl);
    await page.waitForSelector('#token-form:not([hidden])');
    await page.fill('#token-input', 'not-a-token');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() =>
      document.querySelector('#token-error')?.textContent?.includes('not accepted'),
    );
    await page.fill('#token-input', stack.credentials.adminToken);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#summary:not([hidden])');
    expect(await page.textContent('[data-metric="totalEvents"]')).toBe('3');
    await page.click('#sign-out');
    await page.waitForSelector('#token-form:not([hidden])');
    await page.close();
  });
});
