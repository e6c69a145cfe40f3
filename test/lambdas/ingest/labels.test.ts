/**
 * Label cardinality, against DynamoDB Local: 10,000 model names in a day from concurrent
 * invocations, with 1,000 event names, endpoints and agents, leave counting and the rollup
 * working. Every counter is exact; each kept label's figures are exact, the rest
 * add up in "(other)" (docs/data-model.md "Label caps"); live and rebuilt figures agree; no item
 * nears DynamoDB's 400 KB; and another project in the same table is untouched.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { counterPartition, keys, period, sidePartition } from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { runJob } from '../../../lambdas/rebuild/jobs.ts';
import { readTotals } from '../../../lambdas/store/counters.ts';
import { readDay } from '../../../lambdas/store/day-store.ts';
import { OTHER_LABEL } from '../../../lambdas/store/facts.ts';
import { LABEL_CAPS } from '../../../lambdas/store/labels.ts';
import { ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

const DAY = '2026-11-20';
const T0 = Date.parse(`${DAY}T10:00:00Z`);
const LATER = T0 + 3_600_000;
const DYNAMODB_ITEM_LIMIT = 400 * 1024;

let t: TestTable;
const store = () => ({ ddb: t.ddb, tableName: t.tableName });

/** Event `i` of project `projectId`: its own model, event name, endpoint and agent. */
function hostile(projectId: string, i: number, prefix: string): TallyEvent[] {
  const at = new Date(T0 - 3_000_000 + (i % 3000) * 1000).toISOString();
  return [
    tallyEvent({
      projectId,
      messageId: `${prefix}m${i}`,
      userId: `u${i % 50}`,
      event: 'message.sent',
      timestamp: at,
      properties: {
        tokens: (i % 97) + 1,
        model: `${prefix}-model-${i}-${'x'.repeat(150)}`,
        role: `role-${i}`,
        agentId: `agent-${prefix}-${i}`,
        conversationId: `c${i % 20}`,
      },
    }),
    tallyEvent({
      projectId,
      messageId: `${prefix}e${i}`,
      userId: `u${i % 50}`,
      event: `custom.event.${prefix}.${i}.${'y'.repeat(120)}`,
      timestamp: at,
    }),
    tallyEvent({
      projectId,
      messageId: `${prefix}a${i}`,
      event: 'api.request',
      timestamp: at,
      properties: {
        endpoint: `/v1/${prefix}/${i}/${'z'.repeat(120)}`,
        method: 'GET',
        statusCode: 200,
        durationMs: i % 500,
      },
    }),
  ];
}

/** Records of at most 100 events, as the track function's chunks would carry them. */
function records(events: TallyEvent[]) {
  const out = [];
  for (let i = 0; i < events.length; i += 100) out.push(sqsRecord(events.slice(i, i + 100)));
  return out;
}

/** The size DynamoDB counts for an item: attribute names plus marshalled values. */
function itemBytes(item: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(marshall(item, { convertClassInstanceToMap: true })));
}

async function items(projectId: string): Promise<{ count: number; largest: number }> {
  const partitions = [
    counterPartition(projectId, period.day(DAY)),
    sidePartition(projectId, DAY),
    keys.totals(projectId).pk,
  ];
  let count = 0;
  let largest = 0;
  for (const pk of partitions) {
    for (const item of await t.query(pk)) {
      count++;
      largest = Math.max(largest, itemBytes(item));
    }
  }
  return { count, largest };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Each kept label's figures exact, the rest in "(other)"; `custom` events of each custom kind. */
function checkLabels(
  day: Awaited<ReturnType<typeof readDay>>,
  n: number,
  prefix: string,
  custom: number,
) {
  const tokenOf = (model: string) => {
    const i = Number(model.split('-')[2]);
    return (i % 97) + 1;
  };
  const models = Object.entries(day.parts.agg.models);
  const kept = models.filter(([m]) => m !== OTHER_LABEL);
  expect(kept.length).toBe(LABEL_CAPS.model);
  // Each kept model's figures are exact; the others add up in "(other)".
  for (const [model, stats] of kept) {
    expect(model.startsWith(`${prefix}-model-`)).toBe(true);
    expect(stats).toMatchObject({ messages: 1, tokens: tokenOf(model) });
    expect(day.counters[`tokens:${model}`]).toBe(tokenOf(model));
  }
  const other = day.parts.agg.models[OTHER_LABEL];
  expect(other?.messages).toBe(n - LABEL_CAPS.model);
  expect(other?.tokens).toBe(
    sum(Array.from({ length: n }, (_, i) => (i % 97) + 1)) - sum(kept.map(([, s]) => s.tokens)),
  );
  expect(day.counters[`tokens:${OTHER_LABEL}`]).toBe(other?.tokens);
  const names = Object.keys(day.parts.agg.names);
  // The vocabulary is never capped: message.sent and api.request are counted by name.
  expect(day.parts.agg.names['message.sent']).toBe(n);
  expect(day.parts.agg.names['api.request']).toBe(custom);
  expect(names.length).toBe(LABEL_CAPS.name + 3);
  expect(Object.keys(day.parts.agg.roles).length).toBe(LABEL_CAPS.role + 1);
}

beforeAll(async () => {
  t = await createTestTable();
});

/** Thirty ordinary events of project `calm`, two models. */
const calm = (prefix: string) =>
  Array.from({ length: 30 }, (_, i) =>
    tallyEvent({
      projectId: 'calm',
      messageId: `${prefix}${i}`,
      userId: `u${i % 3}`,
      event: 'message.sent',
      timestamp: new Date(T0 - 60_000 * i).toISOString(),
      properties: { tokens: 5, model: i % 2 ? 'gpt-4o' : 'claude' },
    }),
  );

describe('label cardinality', () => {
  it('10,000 model names in a day (concurrent invocations) keep the cap, the counts, and another project', async () => {
    const n = 10_000;
    // Every event brings a new model; one in ten also a new event name, endpoint and agent.
    const events = Array.from({ length: n }, (_, i) => hostile('many', i, 'd')).flatMap((e, i) =>
      i % 10 === 0 ? e : [e[0] as TallyEvent],
    );
    const all = records(events);
    // Four invocations at once, like four Lambda containers draining the queue, and a fifth
    // with another project's events at the same time.
    const lanes = [0, 1, 2, 3].map((lane) => all.filter((_, i) => i % 4 === lane));
    const results = await Promise.all([
      ...lanes.map((r) => ingest(ingestDeps(t, T0), r)),
      ingest(ingestDeps(t, T0), records(calm('c'))),
    ]);
    for (const res of results) expect(res.batchItemFailures).toEqual([]);

    const expect10k = {
      events: n + (2 * n) / 10,
      messages: n,
      apiCalls: n / 10,
      tokens: sum(Array.from({ length: n }, (_, i) => (i % 97) + 1)),
    };
    const live = await readDay(store(), 'many', DAY, { api: true });
    expect(live.counters).toMatchObject(expect10k);
    checkLabels(live, n, 'd', n / 10);
    expect(Object.keys(live.parts.api).length).toBe(LABEL_CAPS.endpoint + 1);

    const { failed } = await runJob(
      rollupDeps(t, LATER),
      { projects: ['many', 'calm'], from: DAY, to: DAY },
      { nightlyDays: 3, hourly: 'rebuild' },
    );
    expect(failed).toEqual([]);
    const rebuilt = await readDay(store(), 'many', DAY, { api: true });
    expect(rebuilt.rollup).toBeDefined();
    expect(rebuilt.counters).toEqual(live.counters);
    expect(rebuilt.parts.agg).toEqual(live.parts.agg);
    const totals = await readTotals(t.ddb, t.tableName, 'many');
    expect(totals).toMatchObject(expect10k);
    expect(Object.keys(totals).filter((k) => k.startsWith('tokens:')).length).toBeLessThanOrEqual(
      LABEL_CAPS.modelAllTime + 1,
    );
    const { count, largest } = await items('many');
    console.log(`10,000 model names: ${count} items, largest ${largest} bytes`);
    expect(largest).toBeLessThan(DYNAMODB_ITEM_LIMIT / 2);

    // The other project: exact, rolled up, and its live counters still move.
    const day = await readDay(store(), 'calm', DAY);
    expect(day.rollup).toBeDefined();
    expect(day.counters).toMatchObject({
      events: 30,
      tokens: 150,
      'tokens:gpt-4o': 75,
      'tokens:claude': 75,
    });
    expect(day.parts.agg.models).toEqual({
      'gpt-4o': { messages: 15, tokens: 75, inputTokens: 0, outputTokens: 0 },
      claude: { messages: 15, tokens: 75, inputTokens: 0, outputTokens: 0 },
    });
    const after = await ingest(ingestDeps(t, LATER), records(calm('later')));
    expect(after.batchItemFailures).toEqual([]);
    expect((await readDay(store(), 'calm', DAY)).counters).toMatchObject({
      events: 60,
      tokens: 300,
    });
    // And the capped project's: a kept model counts under its name, a new one under "(other)".
    const kept = Object.keys(live.parts.agg.models).find((m) => m !== OTHER_LABEL) as string;
    const more = [kept, 'brand-new-model'].map((model, i) =>
      tallyEvent({
        projectId: 'many',
        messageId: `more${i}`,
        event: 'message.sent',
        timestamp: new Date(T0).toISOString(),
        properties: { tokens: 1000, model },
      }),
    );
    expect((await ingest(ingestDeps(t, LATER), records(more))).batchItemFailures).toEqual([]);
    const moved = await readDay(store(), 'many', DAY);
    expect(moved.counters.tokens).toBe(expect10k.tokens + 2000);
    expect(moved.counters[`tokens:${kept}`]).toBe((live.counters[`tokens:${kept}`] ?? 0) + 1000);
    expect(moved.counters[`tokens:${OTHER_LABEL}`]).toBe(
      (live.counters[`tokens:${OTHER_LABEL}`] ?? 0) + 1000,
    );
  }, 120_000);
});
