/** Service endpoints through the local twin: exports, the OpenAPI document and its docs page. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../lambdas/admin/reports/export.ts';
import { operationIdOf, ROUTES } from '../../lambdas/contract/routes.ts';
import type { LocalStack } from '../../local/stack.ts';
import { launchChromium } from '../helpers/browser.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('service');
  for (const name of ['checkout', '=cmd|calc']) {
    await request(`${stack.baseUrl}/api/v1/analytics/write-keys`, {
      headers: bearer(stack.credentials.adminToken),
      body: { name },
    });
  }
  await request(`${stack.baseUrl}/v1/track`, {
    headers: basic(stack.credentials.writeKey),
    body: { userId: 'u', event: 'x' },
  });
  await stack.idle();
});
afterAll(() => stack?.stop());

const admin = () => bearer(stack.credentials.adminToken);

describe('export', () => {
  it('exports a report as JSON with its own parameters, as a download', async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/analytics/export/json?report=summary`, {
      headers: admin(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="tally-summary-default-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(await res.json()).toMatchObject({ project: 'default', totalEvents: 1 });
  });

  it('exports a list as CSV a spreadsheet opens: BOM, header row, one row per item, formulas defused', async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/analytics/export/csv?report=write-keys`, {
      headers: admin(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('keyId,projectId,prefix,name,createdAt');
    expect(lines).toHaveLength(4);
    expect(text).toContain(",'=cmd|calc,");
    expect(text).not.toContain('tk_live');
  });

  it('names a missing report (404), a bad format (400) and invalid parameters of the report (400)', async () => {
    expect(
      (
        await request(`${stack.baseUrl}/api/v1/analytics/export/csv?report=nope`, {
          headers: admin(),
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await request(`${stack.baseUrl}/api/v1/analytics/export/xml?report=summary`, {
          headers: admin(),
        })
      ).status,
    ).toBe(400);
    const res = await request(`${stack.baseUrl}/api/v1/analytics/export/csv`, { headers: admin() });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('report');
  });

  it('flattens nested values into columns', () => {
    const csv = toCsv([
      { a: 1, b: { c: 'x', d: [1, 2] } },
      { a: 2, e: '+1' },
    ]);
    expect(csv.slice(1).trim().split('\n')).toEqual(['a,b.c,b.d,e', '1,x,1;2,', "2,,,'+1"]);
  });
});

describe('OpenAPI', () => {
  it('describes every route of the route table, with report parameters from their schemas', async () => {
    const res = await request(`${stack.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; parameters: { name: string }[]; requestBody?: unknown }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    expect(operations.sort()).toEqual(ROUTES.map(operationIdOf).sort());
    const refresh = doc.paths['/api/v1/analytics/metrics/refresh']?.post;
    // Tally's parameters, and the seeds' spellings of them (docs/migrating.md).
    expect(refresh?.parameters.map((p) => p.name).sort()).toEqual(
      ['endDate', 'from', 'project', 'startDate', 'tenant_id', 'to'].sort(),
    );
    const track = doc.paths['/v1/track']?.post as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
    };
    expect(track.requestBody.content['application/json'].schema.required).toContain('event');
  });

  it('is browsable: the docs page renders the operations', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(`${stack.baseUrl}/docs.html`);
      await page.waitForSelector('.opblock-summary-path');
      const paths = await page.$$eval('.opblock-summary-path', (els) =>
        els.map((e) => e.textContent?.replace(/\u200b/g, '')),
      );
      expect(paths).toContain('/v1/batch');
      expect(paths).toContain('/api/v1/analytics/summary');
    } finally {
      await browser?.close();
    }
    // Chromium renders a ~140 KB document of 67 operations: ~40 s on a loaded 2-core machine.
  }, 120_000);
});
