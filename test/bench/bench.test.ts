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
    const positive = expect.any(Number);
    expect(r).toMatchObject({
      quick: true,
      machine: { cores: positive, memoryGiB: positive, node: expect.stringMatching(/^v22\./) },
      ingest: {
        eventsPerSec: { batch1: positive, batch50: positive, batch500: positive },
        rawBatchWriteItemsPerSec: positive,
        ratio: positive,
      },
      writeCost: { wcuPerEvent: positive },
      readCost: {
        summaryRcu1k: positive,
        summaryRcu100k: positive,
        dashboardRcu1k: positive,
        dashboardRcu100k: positive,
      },
      coldStart: {
        track: { bytes: positive, initMs: positive },
        ingest: { bytes: positive, initMs: positive },
        admin: { bytes: positive, initMs: positive },
        rollup: { bytes: positive, initMs: positive },
      },
      rollup: { secondsAt10k: positive, secondsAt100k: positive },
      costPerMillionEventsUsd: positive,
    });
    for (const v of [r.ingest.ratio, r.writeCost.wcuPerEvent, r.costPerMillionEventsUsd])
      expect(v).toBeGreaterThan(0);
    expect(r.budgets).toHaveLength(7);
    expect(readFileSync(md, 'utf8')).toContain('## Budgets (DESIGN.md)');
  }, 180_000);
});
