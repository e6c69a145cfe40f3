/**
 * The rollup Lambda as the schedule runs it: a project whose rollup fails does not hold back the
 * others, and the failure reaches CloudWatch as the metrics lib/operations.ts alarms on (embedded
 * metric format on stdout, as Lambda ships it).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  counterPartition,
  factLogPartition,
  keys,
  period,
} from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { dayOf } from '../../../lambdas/model/time.ts';
import { FACTS_ATTRIBUTE } from '../../../lambdas/store/fact-log.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

let t: TestTable;
const HOUR = 3_600_000;
const at = Date.now() - 26 * HOUR;
const day = dayOf(at);

beforeAll(async () => {
  t = await createTestTable();
  const events = ['good-a', 'broken', 'good-c'].map((projectId) =>
    tallyEvent({ projectId, timestamp: new Date(at).toISOString() }),
  );
  await ingest(
    ingestDeps(t, at),
    events.map((e) => sqsRecord([e])),
  );
  // The broken project's fact log is damaged: the rebuild cannot read it, as with a corrupt item.
  const [logged] = await t.query(factLogPartition('broken', day));
  if (!logged) throw new Error('ingest wrote no fact log for the broken project');
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: { pk: logged.pk, sk: logged.sk },
      UpdateExpression: 'SET #z = :garbage',
      ExpressionAttributeNames: { '#z': FACTS_ATTRIBUTE },
      ExpressionAttributeValues: { ':garbage': new Uint8Array([0xff, 0x00, 0x13, 0x37]) },
    }),
  );
  vi.stubEnv('TABLE_NAME', t.tableName);
  vi.stubEnv('DYNAMODB_ENDPOINT', t.storage.dynamodbEndpoint ?? '');
  vi.stubEnv('TALLY_EVENT_SHARDS', String(t.storage.eventShards));
  vi.stubEnv('TALLY_USER_SHARDS', String(t.storage.userShards));
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Tally/Test');
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => vi.unstubAllEnvs());

/** The EMF documents the handler wrote: metric name → value, with the dimensions of each. */
function emf(writes: unknown[][]) {
  return writes
    .map(([chunk]) => String(chunk))
    .filter((line) => line.includes('"_aws"'))
    .map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
        },
    );
}

describe('rollup handler', () => {
  it('rolls up every other project when one fails, and reports the one that failed', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { handler } = await import('../../../lambdas/rollup/handler.ts');
    const result = await handler(
      { from: day, to: day, projects: ['good-a', 'broken', 'good-c'] },
      {} as never,
    );
    const docs = emf(write.mock.calls);
    const logged = errors.mock.calls.map(([chunk]) => JSON.parse(String(chunk)));
    vi.restoreAllMocks();

    expect(result).toMatchObject({ days: 2, events: 2, failed: [{ projectId: 'broken', day }] });
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'rollup failed',
        projectId: 'broken',
        error: expect.objectContaining({ message: expect.any(String) }),
      }),
    ]);
    for (const projectId of ['good-a', 'good-c']) {
      const [rollup] = await t.query(counterPartition(projectId, period.day(day)));
      expect(rollup).toMatchObject(keys.counterRollup(projectId, period.day(day)));
    }
    expect(
      docs.map(({ _aws, ...fields }) => ({
        namespace: _aws.CloudWatchMetrics[0]?.Namespace,
        dimensions: _aws.CloudWatchMetrics[0]?.Dimensions,
        ...fields,
      })),
    ).toEqual([
      {
        namespace: 'Tally/Test',
        dimensions: [['service']],
        service: 'rollup',
        RollupRuns: 1,
        RollupFailedProjects: 1,
      },
      {
        namespace: 'Tally/Test',
        dimensions: [['service', 'project']],
        service: 'rollup',
        project: 'broken',
        ProjectRollupFailed: 1,
      },
    ]);
  });
});
