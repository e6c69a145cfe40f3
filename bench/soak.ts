/**
 * `npm run soak -- [--seconds 300] [--batch 500] [--concurrency 4] [--sample-seconds 3]`:
 * drives the tracking API of a fresh `npm start` (DynamoDB Local in memory) from this separate
 * process at the benchmark's top rate (requests of 500 standard-workload events, 4 in flight, as
 * fast as they are answered), samples the RSS of the node process running the stack, and prints
 * events sent / accepted / refused (503) / stored (raw events in the table) / counted (the admin
 * API's totalEvents) and RSS min/max after warm-up.
 *
 * The client resends a batch answered 503 (Retry-After is what a polite client waits; this one
 * keeps the pressure on), so every batch is eventually accepted once; the bus's backpressure is
 * what keeps the twin's memory flat. Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type AttributeValue, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { storageConfig } from '../lambdas/contract/config/storage.ts';
import { rawEventPartition } from '../lambdas/contract/keys.ts';
import { TABLE } from '../lambdas/contract/table.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from '../local/bootstrap.ts';
import { ENDPOINTS_FILE } from '../local/data-dir.ts';
import { freePort } from '../local/ports.ts';
import { basic, bearer } from '../test/helpers/http.ts';
import { interrupt, npmStart } from '../test/helpers/npm-start.ts';
import { events } from './workload.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    'sample-seconds': { type: 'string', default: '3' },
    /** Samples in the first seconds of load are warm-up (the backlog filling), left out of min/max. */
    'warmup-seconds': { type: 'string', default: '60' },
  },
});
const seconds = Number(values.seconds);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);
const sampleMs = Number(values['sample-seconds']) * 1000;
const warmupMs = Number(values['warmup-seconds']) * 1000;
const started = Date.now();
const log = (line: string) =>
  console.error(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`);

/** Resident set size of a process in MiB (Linux /proc, else ps). */
function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    try {
      return (
        Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' })) / 1024
      );
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const dataDir = mkdtempSync(join(tmpdir(), 'tally-soak-'));
const port = await freePort();
log(`starting npm start (DynamoDB Local in memory) in ${dataDir}`);
const run = await npmStart(port, dataDir, { TALLY_DDB_MEMORY: '1' });
const creds = JSON.parse(readFileSync(join(dataDir, CREDENTIALS_FILE), 'utf8')) as LocalCredentials;
const pid = run.stackPid();
const javaPid = Number(readFileSync(join(dataDir, 'dynamodb-local.pid'), 'utf8').split(' ')[0]);

const counts = {
  requests: 0,
  eventsSent: 0,
  batchesAccepted: 0,
  eventsAccepted: 0,
  refused503: 0,
  otherErrors: 0,
};
const errorSamples: string[] = [];
/** RSS in MiB, `t` ms after the load started. */
const samples: { t: number; rss: number; javaRss: number | undefined }[] = [];
const loadStarted = Date.now();
const sample = () => {
  const rss = rssMiB(pid);
  if (rss !== undefined)
    samples.push({ t: Date.now() - loadStarted, rss, javaRss: rssMiB(javaPid) });
};
sample();
const sampler = setInterval(sample, sampleMs);

const deadline = loadStarted + seconds * 1000;
let nextBatch = 0;
let lastReport = Date.now();

async function worker() {
  while (Date.now() < deadline) {
    const seed = nextBatch++;
    const body = JSON.stringify({
      batch: events(batchSize, { seed: seed + 1, userPrefix: 'soak', users: 400 }),
      sentAt: new Date().toISOString(),
    });
    // Resend until accepted: messageIds make that safe, and it is what every client does.
    for (;;) {
      counts.requests++;
      counts.eventsSent += batchSize;
      let status: number;
      try {
        const res = await fetch(`${creds.baseUrl}/v1/batch`, {
          method: 'POST',
          headers: { ...basic(creds.writeKey), 'content-type': 'application/json' },
          body,
        });
        status = res.status;
        const text = await res.text();
        if (status !== 200 && status !== 503 && errorSamples.length < 5)
          errorSamples.push(`${status} ${text.slice(0, 200)}`);
      } catch (error) {
        status = 0;
        if (errorSamples.length < 5) errorSamples.push(String(error));
      }
      if (status === 200) {
        counts.batchesAccepted++;
        counts.eventsAccepted += batchSize;
        break;
      }
      if (status === 503) counts.refused503++;
      else counts.otherErrors++;
      await sleep(status === 503 ? 100 : 1000);
    }
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      const last = samples.at(-1);
      log(
        `${counts.eventsAccepted} events accepted, ${counts.refused503} × 503, rss ${last?.rss.toFixed(0)} MiB`,
      );
    }
  }
}

/**
 * Raw events of the dev project (one item per messageId), counted in the twin's DynamoDB Local:
 * what ingest stored, whatever was counted.
 */
async function storedEvents(): Promise<number> {
  const { dynamodbEndpoint, tableName } = JSON.parse(
    readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8'),
  ) as { dynamodbEndpoint: string; tableName: string };
  // The twin inherits this process's environment: the same shard count.
  const { eventShards } = storageConfig({ ...process.env, TABLE_NAME: tableName });
  const client = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let n = 0;
  for (let shard = 0; shard < eventShards; shard++) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: rawEventPartition(creds.projectId, shard) } },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      n += res.Count ?? 0;
      start = res.LastEvaluatedKey;
    } while (start);
  }
  client.destroy();
  return n;
}

const totalEvents = async () => {
  const res = await fetch(`${creds.baseUrl}/api/v1/analytics/summary`, {
    headers: bearer(creds.adminToken),
  });
  return ((await res.json()) as { totalEvents: number }).totalEvents;
};

let drivenSeconds = 0;
let counted = 0;
let stored = 0;
try {
  log(`driving for ${seconds} s: batches of ${batchSize}, ${concurrency} in flight`);
  await Promise.all(Array.from({ length: concurrency }, worker));
  drivenSeconds = (Date.now() - loadStarted) / 1000;
  clearInterval(sampler);
  log('load stopped; waiting for ingest to drain');
  counted = await totalEvents();
  for (let stable = 0; stable < 5 && counted !== counts.eventsAccepted; ) {
    await sleep(2000);
    const now = await totalEvents();
    stable = now === counted ? stable + 1 : 0;
    counted = now;
  }
  stored = await storedEvents();
} finally {
  clearInterval(sampler);
  await interrupt(run.child);
  rmSync(dataDir, { recursive: true, force: true });
}

const warm = samples.filter((s) => s.t >= warmupMs);
const rss = warm.map((s) => s.rss);
const java = warm.flatMap((s) => (s.javaRss === undefined ? [] : [s.javaRss]));
const min = Math.min(...rss);
const max = Math.max(...rss);
const mean = rss.reduce((a, b) => a + b, 0) / rss.length;
const result = {
  seconds: Math.round(drivenSeconds),
  batch: batchSize,
  concurrency,
  ...counts,
  acceptedPerSecond: Math.round(counts.eventsAccepted / drivenSeconds),
  /** Raw events in the table (one item per messageId): what was stored. */
  stored,
  storedEqualsAccepted: stored === counts.eventsAccepted,
  /** The admin API's totalEvents once ingest had drained: what the live counters counted. */
  counted,
  countedEqualsAccepted: counted === counts.eventsAccepted,
  rssMiB: {
    atLoadStart: Math.round(samples[0]?.rss ?? Number.NaN),
    atLoadEnd: Math.round(samples.at(-1)?.rss ?? Number.NaN),
    allMax: Math.round(Math.max(...samples.map((s) => s.rss))),
    warmMin: Math.round(min),
    warmMax: Math.round(max),
    warmMean: Math.round(mean),
    /** (max − min) / mean after warm-up: the target is within ± 20 %, i.e. ≤ 0.4. */
    spread: Math.round(((max - min) / mean) * 1000) / 1000,
    maxOverMin: Math.round((max / min) * 1000) / 1000,
    samples: rss.length,
  },
  javaRssMiB: { warmMin: Math.round(Math.min(...java)), warmMax: Math.round(Math.max(...java)) },
  errorSamples,
};
console.log(JSON.stringify(result, null, 2));
