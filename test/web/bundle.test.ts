/**
 * The dashboard's initial load (app.js, app.css, styles.css, index.html, gzipped) within its
 * budget (docs/dashboard.md "Budget"), checked on every test run and not only by `npm run build`:
 * a page importing one constant from a module of response schemas once brought valibot and the
 * statistics library into app.js and doubled it unnoticed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BUDGET_GZIP_BYTES, buildWeb, initialLoad } from '../../web/build.ts';

const out = mkdtempSync(join(tmpdir(), 'tally-web-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('keeps the initial JS + CSS within 100 KB gzipped', async () => {
  await buildWeb(out);
  const load = initialLoad(out);
  expect(load.total).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  expect(load.files['app.js']).toBeGreaterThan(0);
}, 60_000);
