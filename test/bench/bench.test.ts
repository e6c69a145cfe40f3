/**
 * The benchmark runs and writes every field the budgets and docs/performance.md need. Only its
 * smoke mode, and no figure is judged here: speed is measured by `npm run bench`, not by tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run bench', () => {
  it('measures every figure and writes the JSON and the markdown table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-bench-test-'));
    const out = join(dir, 'bench.json');
    const md = join(dir, 'performance.md');
    await promisify(execFile)(
      'node_modules/.bin/tsx',
      ['bench/run.ts', '--quick', '--out', out, '--markdown', md],
      {
        env: { ...process.env, LOG_LEVEL: 'ERROR' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const r = JSON.parse(readFileSync(out, 'utf8'));
    const aNumber = expect.any(Number);
    expect(r).toMatchObject({
      quick: true,
      machine: { cores: aNumber, memoryGiB: aNumber, node: expect.stringMatching(/^v22\./) },
      ingest: {
        eventsPerSec: { batch1: aNumber, batch50: aNumber, batch500: aNumber },
        rawBatchWriteItemsPerSec: aNumber,
        ratio: aNumber,
      },
      writeCost: { wcuPerEvent: aNumber },
      readCost: {
        summaryRcu1k: aNumber,
        summaryRcu100k: aNumber,
        dashboardRcu1k: aNumber,
        dashboardRcu100k: aNumber,
      },
      coldStart: {
        track: { bytes: aNumber, initMs: aNumber },
        ingest: { bytes: aNumber, initMs: aNumber },
        admin: { bytes: aNumber, initMs: aNumber },
        rollup: { bytes: aNumber, initMs: aNumber },
      },
      rollup: { secondsAt10k: aNumber, secondsAt100k: aNumber },
      costPerMillionEventsUsd: aNumber,
      client: {
        middleware: { addedP50Ms: aNumber, addedP99Ms: aNumber },
        throughput: { eventsPerSec: aNumber, ratio: aNumber },
      },
    });
    for (const v of [r.ingest.ratio, r.writeCost.wcuPerEvent, r.costPerMillionEventsUsd])
      expect(v).toBeGreaterThan(0);
    expect(r.budgets).toHaveLength(8);
    expect(readFileSync(md, 'utf8')).toContain('## Budgets (docs/architecture.md)');
  }, 180_000);
});
