/**
 * The fact log's one paginator: its cursor is bound to the query that gave it out (project,
 * report, filters, range) and refused, as a 400, on any other; on its own query it resumes where
 * the last page ended.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { ValidationError } from '../../../lambdas/model/errors.ts';
import { daysBetween } from '../../../lambdas/model/time.ts';
import type { Fact } from '../../../lambdas/store/facts.ts';
import { type LogPageRequest, readLogPage } from '../../../lambdas/store/log-pages.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

let t: TestTable;
const DAYS = daysBetween('2026-11-20', '2026-11-22');
const named = (name: string) => (f: Fact) => f.name === name;
const deps = () => ({ ddb: t.ddb, tableName: t.tableName, storage: t.storage });
const page = (r: Partial<LogPageRequest>, projectId = 'p1') =>
  readLogPage(deps(), projectId, {
    days: DAYS,
    query: ['test', 'Clicked'],
    cursor: undefined,
    limit: 2,
    match: named('Clicked'),
    ...r,
  });

beforeAll(async () => {
  t = await createTestTable();
  const events = ['2026-11-20', '2026-11-21', '2026-11-22'].flatMap((day) =>
    ['Clicked', 'Viewed'].flatMap((event, i) =>
      [0, 1].map((n) =>
        tallyEvent({
          messageId: `${day}-${event}-${n}`,
          event,
          timestamp: `${day}T1${i}:0${n}:00.000Z`,
        }),
      ),
    ),
  );
  const res = await ingest(ingestDeps(t, Date.parse('2026-11-22T12:00:00Z')), [sqsRecord(events)]);
  expect(res.batchItemFailures).toEqual([]);
});

describe('the fact-log paginator', () => {
  it('resumes on its own query, newest first, to a null cursor', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const { hits, nextCursor } = await page({ cursor });
      ids.push(...hits.map((h) => h.fact.id));
      cursor = nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual([
      '2026-11-22-Clicked-1',
      '2026-11-22-Clicked-0',
      '2026-11-21-Clicked-1',
      '2026-11-21-Clicked-0',
      '2026-11-20-Clicked-1',
      '2026-11-20-Clicked-0',
    ]);
  });

  it('refuses its cursor, as a 400, for another filter, report, project or range', async () => {
    const { nextCursor } = await page({});
    const cursor = nextCursor as string;
    const refused = [
      page({ cursor, query: ['test', 'Viewed'], match: named('Viewed') }),
      page({ cursor, query: ['another report', 'Clicked'] }),
      page({ cursor }, 'p2'),
    ];
    for (const attempt of refused) {
      await expect(attempt).rejects.toThrow(
        new ValidationError('cursor: it belongs to another query (project, filters or range)'),
      );
    }
    // The same query over days that no longer hold the cursor's position.
    await expect(page({ cursor, days: ['2026-11-20'] })).rejects.toThrow(
      'cursor: its day is outside the range',
    );
  });

  it('refuses a cursor edited by hand', async () => {
    const { nextCursor } = await page({});
    const state = JSON.parse(Buffer.from(nextCursor as string, 'base64url').toString('utf8'));
    const edit = (s: unknown) => Buffer.from(JSON.stringify(s)).toString('base64url');
    await expect(page({ cursor: edit({ ...state, s: { ...state.s, o: -1 } }) })).rejects.toThrow(
      'cursor: not one this API gave out',
    );
    await expect(
      page({
        cursor: edit({ ...state, s: { ...state.s, s: { pk: 'FL#p2#2026-11-22', sk: 'B#' } } }),
      }),
    ).rejects.toThrow('cursor: not one this API gave out');
    await expect(page({ cursor: 'not base64 json' })).rejects.toThrow(
      'cursor: not one this API gave out',
    );
  });
});
