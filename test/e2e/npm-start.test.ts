/**
 * The README's promise, as a user runs it: `npm start` brings the stack up with data on disk,
 * prints and writes the credentials, counts a tracked event, stops everything on Ctrl-C
 * (DynamoDB Local included), and a second start keeps the data and the write key.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/contract/routes.ts';
import { freePort } from '../../local/ports.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import {
  interrupt,
  javaProcessesFor,
  killStarted,
  npmStart as start,
} from '../helpers/npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-start-'));
const npmStart = (port: number) => start(port, dataDir);

afterAll(killStarted);

describe('npm start', () => {
  it('runs Tally locally, counts an event, stops cleanly, and keeps data across restarts', async () => {
    const port = await freePort();
    const first = await npmStart(port);
    const creds = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8'));
    expect(creds).toEqual({
      baseUrl: `http://127.0.0.1:${port}`,
      writeKey: expect.stringMatching(/^tk_/),
      adminToken: expect.stringMatching(/^ey/),
      projectId: 'default',
    });
    expect(first.output()).toContain(creds.writeKey);
    expect(first.output()).toContain(creds.adminToken);

    const tracked = await request(`${creds.baseUrl}/v1/track`, {
      headers: basic(creds.writeKey),
      body: { userId: 'u1', event: 'Signed Up' },
    });
    expect(tracked.status).toBe(200);
    let summary: Record<string, unknown> = {};
    const readSummary = async () => {
      summary = (
        await request(`${creds.baseUrl}/api/v1/analytics/summary`, {
          headers: bearer(creds.adminToken),
        })
      ).body as Record<string, unknown>;
      return summary.totalEvents;
    };
    // Generous waits: this checks what is counted, not how fast (the benchmark measures that).
    // On disk, with 2 busy cores, 2,390 events take DynamoDB Local well over 10 s.
    await expect.poll(readSummary, { interval: 50, timeout: 30_000 }).toBe(1);
    expect(summary).toMatchObject({ totalEvents: 1, totalUsers: 1 });
    expect(javaProcessesFor(dataDir)).not.toBe('');

    // Issue 3's check, as a user runs it: 2,500 events, 100 repeated messageIds, 10 invalid.
    const batch: Record<string, unknown>[] = Array.from({ length: 2500 }, (_, i) => ({
      type: 'track',
      userId: `u${i % 50}`,
      event: 'Clicked',
      messageId: i >= 2000 && i < 2100 ? `b-${i - 1000}` : `b-${i}`,
    }));
    const invalid = [5, 500, 900, 1200, 1300, 1400, 1500, 1600, 2300, 2400];
    for (const i of invalid) delete (batch[i] as Record<string, unknown>).event;
    const report = await request(`${creds.baseUrl}/v1/batch`, {
      headers: basic(creds.writeKey),
      body: { batch },
    });
    expect(report.status).toBe(200);
    expect((report.body as { rejected: { index: number }[] }).rejected.map((r) => r.index)).toEqual(
      invalid,
    );
    // 2,500 − 10 invalid − 100 repeats (their originals, 1000-1099, are all valid).
    await expect.poll(readSummary, { interval: 100, timeout: 120_000 }).toBe(1 + 2390);

    // Every report answers for the dev project, and a CSV export downloads.
    // Tally's own routes; the seed services' (compat) are called in seed-endpoints.test.ts.
    for (const route of ROUTES.filter(
      (r) => r.method === 'GET' && r.auth === 'admin' && !('compat' in r),
    )) {
      const path = route.path
        .replace('{format}', 'csv')
        .replace('{id}', 'none')
        // A standard funnel: always there.
        .replace('{name}', 'onboarding')
        .replace('{type}/{id}', 'agent/none');
      const query = path.includes('/export/') ? '?report=daily-stats' : '';
      const res = await fetch(`${creds.baseUrl}${path}${query}`, {
        headers: bearer(creds.adminToken),
      });
      // A conversation or resource nobody tracked is a 404 with a JSON reason; all else is 200.
      expect([route.path, res.status]).toEqual([route.path, path.endsWith('/none') ? 404 : 200]);
    }

    await interrupt(first.child);
    expect(first.output()).toContain('stopped');
    expect(javaProcessesFor(dataDir)).toBe('');
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);

    const second = await npmStart(port);
    const again = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8'));
    expect(again.writeKey).toBe(creds.writeKey);
    const kept = await request(`${again.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(again.adminToken),
    });
    // u1, then u0…u49 of the batch.
    expect(kept.body).toMatchObject({ totalEvents: 2391, totalUsers: 50 });
    await interrupt(second.child);
    expect(javaProcessesFor(dataDir)).toBe('');
  }, 300_000);
});
