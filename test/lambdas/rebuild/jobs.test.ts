import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/model/errors.ts';
import { jobDays } from '../../../lambdas/rebuild/jobs.ts';

const now = Date.parse('2026-11-22T10:00:00Z');

describe('rollup jobs', () => {
  it('fold yesterday and today every hour, and rebuild today with the days before every night', () => {
    expect(jobDays({ mode: 'hourly' }, now, 3)).toEqual(['2026-11-21', '2026-11-22']);
    expect(jobDays({ mode: 'nightly' }, now, 3)).toEqual([
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(jobDays({}, now, 3)).toEqual(['2026-11-21', '2026-11-22']);
  });

  it('rebuild an explicit range, within limits', () => {
    expect(jobDays({ from: '2026-10-30', to: '2026-11-02' }, now, 3)).toEqual([
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
    ]);
    expect(() => jobDays({ from: '2026-11-05', to: '2026-11-01' }, now, 3)).toThrow(
      ValidationError,
    );
    expect(() => jobDays({ from: '2026-13-01' }, now, 3)).toThrow(/YYYY-MM-DD/);
    expect(() => jobDays({ from: '2024-01-01', to: '2026-01-01' }, now, 3)).toThrow(
      /at most 400 days/,
    );
  });
});
