/**
 * The local twin, assembled: DynamoDB Local, the bus, the queue, the HTTP front door and the dev
 * credentials, running the same handler modules as the Lambdas. One stack per process: the
 * handlers read their configuration once, when first imported, as at a cold start.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { INGEST_PATTERN } from '../lambdas/contract/bus.ts';
import { INGEST } from '../lambdas/contract/config/ingest.ts';
import { JWT } from '../lambdas/contract/config/jwt.ts';
import { ROLLUP } from '../lambdas/contract/config/rollup.ts';
import { STORAGE } from '../lambdas/contract/config/storage.ts';
import { TRACK } from '../lambdas/contract/config/track.ts';
import { DEAD_LETTER_ATTRIBUTES } from '../lambdas/ingest/dead-letter.ts';
import { REJECTED_ATTRIBUTES } from '../lambdas/ingest/rejections.ts';
import { buildWeb } from '../web/build.ts';
import { bootstrapCredentials, type LocalCredentials } from './bootstrap.ts';
import { ENDPOINTS_FILE } from './data-dir.ts';
import {
  appendDeadLetter,
  appendRejected,
  type RejectedEntry,
  readDeadLetters,
  readRejected,
} from './dead-letters.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { type LocalEventBus, startEventBus } from './eventbridge.ts';
import { invoke } from './invoke.ts';
import {
  ISSUER_FILE,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  LOCAL_TOKEN_LIFETIME_SECONDS,
  type LocalIssuer,
  loadIssuer,
} from './issuer.ts';
import { Journal } from './journal.ts';
import { localAuthConfig, localOidc } from './oidc.ts';
import { freePort } from './ports.ts';
import { type Backlog, type DeadLetter, LocalQueue } from './queue.ts';
import { startRollupScheduler } from './scheduler.ts';
import { type HttpHandler, startServer } from './server.ts';
import { startSqsEndpoint } from './sqs.ts';
import { ensureTable } from './table.ts';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** Keep DynamoDB Local in memory (tests, benchmarks) instead of under `dataDir`. */
  inMemory?: boolean;
  /** Use an already running DynamoDB Local instead of starting one. */
  dynamodbEndpoint?: string;
  tableName?: string;
  /** Extra environment for the handlers (e.g. TALLY_BUCKET_SECONDS). */
  env?: Record<string, string>;
  /** How often the local scheduler runs the hourly rollup job; 0 turns it off (tests). @default 60 s */
  rollupIntervalMs?: number;
  /** Past this backlog the bus refuses entries (track answers 503). @default DEFAULT_MAX_BACKLOG */
  maxBacklog?: Backlog;
  /** Size at which the queue's journal starts a new segment. @default 8 MiB */
  journalSegmentBytes?: number;
  /** Origins whose pages may call the API (an embedded `<tally-panel>`). @default none */
  corsOrigins?: readonly string[];
  log?: (line: string) => void;
}

export interface LocalStack {
  baseUrl: string;
  credentials: LocalCredentials;
  dynamodbEndpoint: string;
  tableName: string;
  bus: LocalEventBus;
  queue: LocalQueue;
  /** The ingest queue's journal (accepted, not yet acknowledged messages). */
  journal: Journal;
  /** Messages in the local dead-letter queue, with their reasons. */
  deadLetters(): DeadLetter[];
  /** Entries of the local rejections sink: each rejected item, with its reason. */
  rejected(): RejectedEntry[];
  issuer: LocalIssuer;
  ddb: DynamoDBDocumentClient;
  /** Resolves when every accepted event has been through ingest. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The ingest queue's journal, under the data directory. */
export const JOURNAL_DIR = 'queue-journal';
const INGEST_QUEUE = 'tally-ingest';
const DEAD_LETTER_QUEUE = 'tally-ingest-dlq';
const REJECTED_QUEUE = 'tally-rejected';
/** The queue's receive limit, as the ingest function reads it by default (and as CDK sets it). */
const MAX_RECEIVE_COUNT = INGEST.maxReceiveCount.fallback;
/** Ingest's lifetime here: no write later than this after an invocation started. */
const LOCAL_INGEST_TIMEOUT_SECONDS = 30;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const tableName = options.tableName ?? 'tally';
  const port = options.port || (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;

  const dynamo = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal({
        inMemory: options.inMemory ?? false,
        dataDir: join(dataDir, 'dynamodb'),
        logFile: join(dataDir, 'dynamodb-local.log'),
        pidFile: join(dataDir, 'dynamodb-local.pid'),
      });
  const dynamodbEndpoint = options.dynamodbEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
  log(
    dynamo
      ? `DynamoDB Local started (${options.inMemory ? 'in memory' : `persisting in ${dataDir}`}) at ${dynamodbEndpoint}`
      : `using DynamoDB at ${dynamodbEndpoint}`,
  );

  const lowLevel = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(lowLevel, tableName);
  const ddb = DynamoDBDocumentClient.from(lowLevel, {
    marshallOptions: { removeUndefinedValues: true },
  });

  const issuer = await loadIssuer(join(dataDir, ISSUER_FILE));
  const busName = 'tally-local';

  // The queue's handler is bound below, once the handler modules are loaded.
  let ingestHandler: ((e: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  const deadLetter = (letter: DeadLetter) => {
    appendDeadLetter(dataDir, letter);
    log(`dead-lettered message ${letter.message.messageId}: ${letter.reason}`);
  };
  const journal = await Journal.open({
    dir: join(dataDir, JOURNAL_DIR),
    ...(options.journalSegmentBytes ? { segmentBytes: options.journalSegmentBytes } : {}),
    onFailure: (error) =>
      log(`journal: writing failed (${error.message}); refusing events until a restart`),
  });
  for (const d of journal.damaged) {
    log(
      d.kind === 'torn'
        ? `journal: ignored the torn last line of ${d.file} (line ${d.line}, ${d.bytes} bytes): a write cut short by a crash, never confirmed to its sender`
        : `journal: ignored unreadable line ${d.line} of ${d.file} (${d.bytes} bytes)`,
    );
  }
  if (journal.recovered.length) {
    log(`journal: ${journal.recovered.length} accepted messages not yet ingested; delivering them`);
  }
  const queue = new LocalQueue({
    name: INGEST_QUEUE,
    journal,
    ...(options.maxBacklog ? { maxBacklog: options.maxBacklog } : {}),
    maxReceiveCount: MAX_RECEIVE_COUNT,
    handler: (event) => (ingestHandler as (e: SQSEvent) => Promise<SQSBatchResponse>)(event),
    deadLetter,
    onError: (error) => log(`ingest failed: ${(error as Error).message}`),
  });
  const sqs = await startSqsEndpoint({
    [INGEST_QUEUE]: (m) => queue.send(m.body),
    [DEAD_LETTER_QUEUE]: (m) =>
      deadLetter({
        message: {
          messageId: m.attributes[DEAD_LETTER_ATTRIBUTES.sourceMessageId] ?? 'unknown',
          body: m.body,
          receiveCount: Number(m.attributes[DEAD_LETTER_ATTRIBUTES.receiveCount] ?? 0),
          sentTimestamp: Date.now(),
        },
        reason: m.attributes[DEAD_LETTER_ATTRIBUTES.reason] ?? 'no reason given',
        failedAt: m.attributes[DEAD_LETTER_ATTRIBUTES.failedAt] ?? new Date().toISOString(),
      }),
    [REJECTED_QUEUE]: (m) =>
      appendRejected(dataDir, [
        {
          reason: m.attributes[REJECTED_ATTRIBUTES.reason] ?? 'no reason given',
          body: JSON.parse(m.body) as Record<string, unknown>,
        },
      ]),
  });
  const bus = await startEventBus({
    busName,
    rules: [{ name: 'ingest', pattern: INGEST_PATTERN, target: (json) => queue.send(json) }],
  });

  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: '',
    [STORAGE.tableName.env]: tableName,
    [STORAGE.dynamodbEndpoint.env]: dynamodbEndpoint,
    [TRACK.eventBusName.env]: busName,
    [TRACK.eventBridgeEndpoint.env]: bus.endpoint,
    [INGEST.sqsEndpoint.env]: sqs.endpoint,
    [INGEST.deadLetterQueueUrl.env]: sqs.queueUrl(DEAD_LETTER_QUEUE),
    [INGEST.queueUrl.env]: sqs.queueUrl(INGEST_QUEUE),
    [INGEST.rejectedQueueUrl.env]: sqs.queueUrl(REJECTED_QUEUE),
    [INGEST.maxReceiveCount.env]: String(MAX_RECEIVE_COUNT),
    // Short buckets, folded soon after they close: a bucket may be folded only once no ingest
    // can still commit into it, so the settle time exceeds the ingest lifetime (as in lib/).
    [STORAGE.bucketSeconds.env]: '60',
    [INGEST.timeoutSeconds.env]: String(LOCAL_INGEST_TIMEOUT_SECONDS),
    [ROLLUP.settleSeconds.env]: String(LOCAL_INGEST_TIMEOUT_SECONDS + 10),
    [JWT.jwksUrl.env]: `${baseUrl}/.well-known/jwks.json`,
    [JWT.issuer.env]: LOCAL_ISSUER,
    [JWT.audience.env]: LOCAL_AUDIENCE,
    [JWT.maxLifetimeSeconds.env]: String(LOCAL_TOKEN_LIFETIME_SECONDS),
    // No CloudWatch here: the rollup's metrics are not printed.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.env,
  });
  const [track, ingest, admin] = await Promise.all([
    import('../lambdas/track/handler.ts'),
    import('../lambdas/ingest/handler.ts'),
    import('../lambdas/admin/handler.ts'),
  ]);
  ingestHandler = (event) => invoke(ingest.handler, 'tally-ingest', event);

  queue.start();

  const webDir = join(dataDir, '.web');
  await buildWeb(webDir);
  // The dashboard signs in through the local issuer (the CDK stack writes Cognito's instead).
  writeFileSync(join(webDir, 'config.json'), JSON.stringify({ auth: localAuthConfig() }));
  const { server } = await startServer({
    port,
    handlers: {
      track: track.handler as unknown as HttpHandler,
      admin: admin.handler as unknown as HttpHandler,
    },
    webDir,
    jwks: () => issuer.jwks,
    extra: localOidc(issuer),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    onError: (error) => log(`request failed: ${(error as Error).stack ?? String(error)}`),
  });

  const credentials = await bootstrapCredentials({ ddb, tableName, dataDir, baseUrl, issuer });
  const scheduler = startRollupScheduler(options.rollupIntervalMs ?? 60_000, log);
  writeFileSync(
    join(dataDir, ENDPOINTS_FILE),
    `${JSON.stringify({ pid: process.pid, sqsEndpoint: sqs.endpoint, ingestQueueUrl: sqs.queueUrl(INGEST_QUEUE), dynamodbEndpoint, tableName }, null, 2)}\n`,
  );

  let stopping: Promise<void> | undefined;
  return {
    baseUrl,
    credentials,
    dynamodbEndpoint,
    tableName,
    bus,
    queue,
    journal,
    deadLetters: () => readDeadLetters(dataDir),
    rejected: () => readRejected(dataDir),
    issuer,
    ddb,
    idle: () => queue.idle(),
    stop: () => {
      stopping ??= (async () => {
        await scheduler.stop();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await bus.stop();
        const rest = await queue.stop();
        await sqs.stop();
        rmSync(join(dataDir, ENDPOINTS_FILE), { force: true });
        if (rest) log(`journal: ${rest} messages not yet ingested, kept for the next start`);
        lowLevel.destroy();
        await dynamo?.stop();
      })();
      return stopping;
    },
  };
}
