import { Duration, Stack } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPE, EVENT_SOURCE, INGEST_PATTERN } from '../lambdas/contract/bus.ts';
import { INGEST } from '../lambdas/contract/config/ingest.ts';
import { envOf, resolve } from '../lambdas/contract/config/setting.ts';
import { type BotMode, type IpMode, PRIVACY, TRACK } from '../lambdas/contract/config/track.ts';
import type { TallyAuth } from './auth.ts';
import { acknowledge } from './nag.ts';
import type { LogSettings } from './stage.ts';
import type { TallyStorage } from './storage.ts';
import { TallyFunction } from './tally-function.ts';

/** The ingest function's timeout; the rollup's settle time must exceed it (lib/rollup.ts). */
export const INGEST_TIMEOUT = Duration.seconds(60);

export interface TallyIngestionProps {
  readonly storage: TallyStorage;
  /** Lets services track with a JWT (`scope: track`) from this issuer. @default - write keys only */
  readonly serviceTokens?: TallyAuth;
  /** What is kept of a caller's IP (`hash` needs a secret, which a template must not hold). @default 'truncate' */
  readonly ipMode?: Exclude<IpMode, 'hash'>;
  /** Events from known bots: kept and flagged, or refused. @default 'flag' */
  readonly botMode?: BotMode;
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /** Receives of one SQS message before it goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** The functions' logs. @default STAGES.prod.logs */
  readonly logs?: LogSettings;
}

/**
 * The write path: track function → event bus (with an archive for replay) → rule → SQS queue
 * (with a dead-letter queue) → ingest function → table.
 */
export class TallyIngestion extends Construct {
  readonly bus: EventBus;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Every item a tracking request rejected, with its reason (apart from the dead letters). */
  readonly rejectedQueue: Queue;
  readonly trackFunction: TallyFunction;
  readonly ingestFunction: TallyFunction;

  constructor(scope: Construct, id: string, props: TallyIngestionProps) {
    super(scope, id);
    const maxReceiveCount = resolve(
      INGEST.maxReceiveCount,
      props.maxReceiveCount,
      'maxReceiveCount',
    );
    const ipMode = resolve(PRIVACY.ipMode, props.ipMode, 'ipMode');
    if (ipMode === 'hash')
      throw new Error('ipMode hash needs a secret; set it outside the template');
    const botMode = resolve(PRIVACY.botMode, props.botMode, 'botMode');
    // Infrastructure only (the function does not read it): SQS's own bound.
    const batchSize = props.batchSize ?? 10;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      throw new Error(`batchSize must be an integer in [1, 10], got ${batchSize}`);
    }

    this.bus = new EventBus(this, 'Bus');
    this.bus.archive('Archive', {
      description: 'Every tally.events entry, for replay after a fix',
      eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPE] },
      retention: props.archiveRetention ?? Duration.days(30),
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    // Not the dead-letter queue: its alarm means accepted events were not stored, and a redrive
    // sends its messages back to ingest; a client's invalid items are neither (docs/architecture.md).
    this.rejectedQueue = new Queue(this, 'RejectedQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledge(
      this.rejectedQueue,
      'The rejections sink is itself the end of the line, like the dead-letter queue: nothing consumes it but an operator reading it',
      'SQS3',
    );
    this.queue = new Queue(this, 'IngestQueue', {
      // AWS's advice for Lambda consumers: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    new Rule(this, 'IngestRule', {
      eventBus: this.bus,
      description: 'Chunks of accepted events, and of rejected items, to the ingest queue',
      eventPattern: {
        source: [...INGEST_PATTERN.source],
        detailType: [...INGEST_PATTERN['detail-type']],
      },
      targets: [
        new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 185 }),
      ],
    });

    this.trackFunction = new TallyFunction(this, 'Track', {
      name: 'track',
      description: 'Tracking API: authenticate, validate, normalise, publish to the bus',
      environment: {
        ...envOf(TRACK.eventBusName, this.bus.eventBusName),
        ...envOf(PRIVACY.ipMode, ipMode),
        ...envOf(PRIVACY.botMode, botMode),
        ...props.serviceTokens?.environment,
      },
      ...(props.logs ? { logs: props.logs } : {}),
    });
    props.storage.connect(this.trackFunction, 'read');
    this.bus.grantPutEventsTo(this.trackFunction);

    this.ingestFunction = new TallyFunction(this, 'Ingest', {
      name: 'ingest',
      description: 'Stores raw events once and counts each once',
      memorySize: 512,
      timeout: INGEST_TIMEOUT,
      environment: {
        ...envOf(INGEST.deadLetterQueueUrl, this.deadLetterQueue.queueUrl),
        ...envOf(INGEST.queueUrl, this.queue.queueUrl),
        ...envOf(INGEST.rejectedQueueUrl, this.rejectedQueue.queueUrl),
        ...envOf(INGEST.maxReceiveCount, maxReceiveCount),
        ...envOf(INGEST.timeoutSeconds, INGEST_TIMEOUT.toSeconds()),
        // Its IngestLag metric, in the namespace of the rollup's (lib/rollup.ts).
        POWERTOOLS_METRICS_NAMESPACE: `Tally/${Stack.of(this).stackName}`,
      },
      ...(props.logs ? { logs: props.logs } : {}),
    });
    props.storage.connect(this.ingestFunction, 'readWrite');
    // Records that can never be stored are dead-lettered by ingest itself, with their reason.
    this.deadLetterQueue.grantSendMessages(this.ingestFunction);
    // Each rejected item, counted for the rejections report, goes to its own sink.
    this.rejectedQueue.grantSendMessages(this.ingestFunction);
    // Records an invocation did not attempt for want of time go back to the queue, fresh.
    this.queue.grantSendMessages(this.ingestFunction);
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
