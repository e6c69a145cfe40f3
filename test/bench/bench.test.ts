/**
 * `npm run bench -- --quick` runs every phase on a few hundred events and writes every figure the
 * budgets and docs/performance.md need. Its figures are judged by nobody: speed, cost and memory
 * are measured by the full `npm run bench`, never by a test. Here only their shape: present,
 * finite numbers, and each budget with its met/not-met flag.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';

let results: Record<string, unknown>;
let markdown: string;

/** Every number in a JSON value, with its path. */
function numbers(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => numbers(v, path ? `${path}.${k}` : k));
  }
  return [];
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-test-'));
  const out = join(dir, 'bench.json');
  const md = join(dir, 'performance.md');
  await promisify(execFile)(
    'node_modules/.bin/tsx',
    // The test run's DynamoDB Local: one JVM less to start on a busy machine.
    [
      'bench/run.ts',
      '--quick',
      '--dynamodb-endpoint',
      inject('dynamodbEndpoint'),
      '--out',
      out,
      '--markdown',
      md,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  results = JSON.parse(readFileSync(out, 'utf8'));
  markdown = readFileSync(md, 'utf8');
  // One npm start of its own (bench/npm-start-ingest.ts) is part of it.
}, 480_000);

describe('npm run bench -- --quick', () => {
  it('writes every figure', () => {
    const aNumber = expect.any(Number);
    const scenario = {
      requests: aNumber,
      storage: aNumber,
      fixed: aNumber,
      total: aNumber,
      metBudget: expect.any(Boolean),
    };
    const byClass = { standard: scenario, standardIa: scenario };
    expect(results).toMatchObject({
      quick: true,
      machine: { cores: aNumber, memoryGiB: aNumber, node: expect.stringMatching(/^v22\./) },
      ingest: {
        eventsPerSec: { batch1: aNumber, batch50: aNumber, batch500: aNumber },
        rawBatchWriteItemsPerSec: aNumber,
        ratio: aNumber,
        ratioBatch50: aNumber,
        // DynamoDB Local's work per event, by kind of request, against the reference's.
        ddbWork: {
          events: 300,
          usPerEvent: aNumber,
          referenceUsPerItem: aNumber,
          ratio: aNumber,
          kinds: expect.arrayContaining([
            expect.objectContaining({ kind: 'BatchWriteItem raw event', requests: 12 }),
            expect.objectContaining({ kind: 'BatchGetItem raw event', requests: aNumber }),
          ]),
        },
        // Through a real npm start, the load generator in its own process.
        npmStart: {
          events: 300,
          batch: 50,
          clients: 4,
          eventsPerSec: aNumber,
          countedSeconds: aNumber,
          rawBatchWriteItemsPerSec: { before: aNumber, after: aNumber, mean: aNumber },
          ratio: aNumber,
          lag: { p50Seconds: aNumber, p99Seconds: aNumber, within5s: aNumber, count: 300 },
          steady: {
            perSec: 100,
            lag: { p50Seconds: aNumber, p99Seconds: aNumber, within5s: aNumber, count: 200 },
          },
        },
      },
      writeCost: { wcuPerEvent: aNumber, rcuPerEvent: aNumber },
      readCost: {
        summaryRcu1k: aNumber,
        summaryRcu100k: aNumber,
        dashboardRcu1k: aNumber,
        dashboardRcu100k: aNumber,
      },
      coldStart: Object.fromEntries(
        ['track', 'ingest', 'admin', 'rollup'].map((name) => [
          name,
          {
            bytes: aNumber,
            initMs: aNumber,
            floorBytes: aNumber,
            floorInitMs: aNumber,
            ratio: aNumber,
          },
        ]),
      ),
      rollup: { secondsAt10k: aNumber, secondsAt100k: aNumber },
      storage: {
        bytesPerEvent: { raw: aNumber, facts: aNumber, commitLog: aNumber, kept: aNumber },
        archiveBytesPerEvent: aNumber,
      },
      logVolume: {
        trackBytesPerRequest: aNumber,
        ingestBytesPerInvocation: aNumber,
        accessLogBytesPerRequest: aNumber,
        lambdaPlatformBytesPerInvocation: aNumber,
      },
      costPerMillionEventsUsd: aNumber,
      cost: {
        pricesTaken: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        deployed: { tableClass: 'standardIa', retentionDays: 395, archiveDays: 30, logDays: 90 },
        requests: { total: aNumber },
        perMonthKept: {
          lines: { table: aNumber, pointInTimeRecovery: aNumber, archive: aNumber, logs: aNumber },
          total: aNumber,
        },
        overRetention: { total: aNumber },
        fixed: { perMillionEvents: aNumber },
        byRetention: { 30: byClass, 90: byClass, 395: byClass },
        shorterRawRetention: { 8: byClass, 30: byClass },
      },
      client: {
        middleware: {
          addedP50Ms: aNumber,
          addedP99Ms: aNumber,
          cpuPerRequestUs: { without: aNumber, with: aNumber },
        },
        throughput: { eventsPerSec: aNumber, ratio: aNumber },
      },
    });
  });

  it('writes only finite numbers, and no negative ones but differences', () => {
    const all = numbers(results);
    expect(all.length).toBeGreaterThan(100);
    // The client middleware's added latency is the difference of two measured latencies: noise
    // can put it below zero.
    const budgets = results.budgets as { name: string }[];
    const differences = new Set([
      'client.middleware.addedP50Ms',
      'client.middleware.addedP99Ms',
      'client.middlewareSharedCores.addedP50Ms',
      'client.middlewareSharedCores.addedP99Ms',
      ...budgets.flatMap((b, i) =>
        b.name.startsWith('Client middleware added') ? [`budgets.${i}.value`] : [],
      ),
    ]);
    expect(all.filter(([, v]) => !Number.isFinite(v))).toEqual([]);
    expect(all.filter(([path, v]) => v < 0 && !differences.has(path))).toEqual([]);
  });

  it('judges every budget, met or not', () => {
    const budgets = results.budgets as { name: string; budget: string; met: unknown }[];
    expect(budgets.map((b) => b.name)).toEqual(
      expect.arrayContaining([
        'Ingest through npm start, 4 clients × 50 events, × raw BatchWriteItem',
        'Ingestion lag p99 at 100 events/s (through npm start)',
        'DynamoDB writes per event (standard workload)',
        'All-in cost per million events, kept 30 days',
        'All-in cost per million events, kept 90 days',
        'All-in cost per million events, kept 395 days (configured)',
        'track module init ÷ its SDK-clients floor',
        'ingest module init ÷ its SDK-clients floor',
        'Client middleware added latency per request, p99',
      ]),
    );
    for (const b of budgets) expect(typeof b.met, b.name).toBe('boolean');
  });

  it('writes the markdown of docs/performance.md with every section', () => {
    for (const heading of [
      '## Budgets (docs/architecture.md)',
      '### Through `npm start`',
      '## Cost per million events',
      '### All-in, by retention and table class',
      '### Table class',
      '### A shorter raw-event retention',
      '## Client (`@tally/client`)',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).not.toMatch(/NaN|undefined/);
  });
});
