/**
 * The cost model's arithmetic does what docs/performance.md says: storage grows with the days
 * kept, a table class changes request and storage prices, fixed costs spread over a month of
 * events. (That its constants match what the stack deploys: test/lib/operations.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { type CostInputs, costPerMillion, PRICES } from '../../bench/cost.ts';

describe('costPerMillion', () => {
  const inputs: CostInputs = {
    eventsPerRequest: 50,
    eventsPerSecond: 100,
    entriesPerRequest: 1,
    trackMs: 5,
    trackGb: 0.25,
    ingestMsPerEvent: 1,
    ingestGb: 0.5,
    recordsPerInvocation: 2,
    wcuPerEvent: 1,
    rcuPerEvent: 1,
    rollupRcuPerEvent: 0.1,
    rollupMsPerEvent: 0.1,
    rollupGb: 1,
    rebuildsPerEvent: 3.1,
    compactionRcuPerEvent: 0,
    storedBytesPerEvent: { raw: 2 ** 30 / 1e6, facts: 0, commitLog: 0, kept: 0 },
    archiveBytesPerEvent: 0,
    logBytes: { perTrackRequest: 0, perIngestInvocation: 0, perInvocation: 0 },
    dashboardBytes: 0,
  };
  const retention = (rawDays: number) => ({
    rawDays,
    factDays: rawDays,
    archiveDays: 30,
    logDays: 90,
  });

  it('prices a GiB per million events kept a month at the class price plus PITR', () => {
    const month = 365.25 / 12;
    for (const tableClass of ['standard', 'standardIa'] as const) {
      const c = costPerMillion(inputs, { tableClass, retention: retention(month) });
      expect(c.perMonthKept.lines.table).toBeCloseTo(PRICES.dynamo[tableClass].gbMonth, 10);
      expect(c.perMonthKept.lines.pointInTimeRecovery).toBeCloseTo(PRICES.dynamoPitrGbMonth, 10);
      expect(c.overRetention.total).toBeCloseTo(
        PRICES.dynamo[tableClass].gbMonth + PRICES.dynamoPitrGbMonth,
        10,
      );
      expect(c.requests.lines.dynamoWrites).toBeCloseTo(PRICES.dynamo[tableClass].wru * 1e6, 10);
    }
  });

  it('grows storage with the days kept, and keeps requests and the fixed share as they are', () => {
    const short = costPerMillion(inputs, { tableClass: 'standard', retention: retention(30) });
    const long = costPerMillion(inputs, { tableClass: 'standard', retention: retention(395) });
    expect(long.overRetention.lines.table / short.overRetention.lines.table).toBeCloseTo(395 / 30);
    expect(long.requests.total).toBe(short.requests.total);
    expect(long.fixed.perMillionEvents).toBe(short.fixed.perMillionEvents);
    // $5.90 a month over 100 events/s for a month (263 million events).
    expect(short.fixed.perMillionEvents).toBeCloseTo(5.9 / 262.98, 3);
    expect(short.total).toBeCloseTo(
      short.requests.total + short.overRetention.total + short.fixed.perMillionEvents,
      10,
    );
  });
});
