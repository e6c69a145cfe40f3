/**
 * Time to figures: how long after navigation the overview's figures are on screen, in Debian's
 * Chromium against the local twin `npm start` runs (its handlers, DynamoDB Local in memory),
 * holding the demo month (scripts/demo-data.ts). The dashboard marks the moment a page has
 * rendered its figures (`performance.mark('tally:figures')`, web/app.ts); this reads that mark,
 * which counts from the navigation's start, over several cold loads of the page.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startLocalStack } from '../local/stack.ts';
import { seeded } from '../test/helpers/faults.ts';
import { sendDemo } from './demo-data.ts';

export const FIGURES_BUDGET_MS = 1000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface TimeToFigures {
  /** Each load's time from navigation start to the figures, ms. */
  runs: number[];
  median: number;
  /** Of each load, the `…/dashboard` request's own time (request start to response end), ms. */
  api: number[];
  apiMedian: number;
  events: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Starts the twin, sends the demo month, and times `loads` loads of the overview. */
export async function timeToFigures(loads = 7): Promise<TimeToFigures | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-ttf-'));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: true,
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const events = await sendDemo(stack.credentials, seeded(13));
    await stack.idle();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(stack.baseUrl);
    await page.click('#sign-in');
    await page.waitForSelector('main[data-loaded="overview"]');
    const runs: number[] = [];
    const api: number[] = [];
    for (let i = 0; i < loads; i++) {
      // A fresh document each time; the session stays in the tab, as for an admin reopening it.
      await page.goto(`${stack.baseUrl}/?project=default&range=7d`, { waitUntil: 'commit' });
      await page.waitForSelector('main[data-loaded="overview"]');
      const [figures, request] = await page.evaluate(() => {
        const mark = performance.getEntriesByName('tally:figures', 'mark')[0];
        const call = performance
          .getEntriesByType('resource')
          .find((e) => e.name.includes('/api/v1/analytics/dashboard')) as
          | PerformanceResourceTiming
          | undefined;
        return [
          mark?.startTime ?? Number.NaN,
          call ? call.responseEnd - call.requestStart : Number.NaN,
        ];
      });
      runs.push(figures as number);
      api.push(request as number);
    }
    return { runs, median: median(runs), api, apiMedian: median(api), events };
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
