/** Builders for the events the handlers receive: API Gateway 2.0 requests and SQS records. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import {
  DETAIL_TYPE,
  type EventsDetail,
  REJECTIONS_DETAIL_TYPE,
  type RejectionsDetail,
} from '../../lambdas/contract/bus.ts';
import type { TallyEvent } from '../../lambdas/model/events.ts';

export function httpEvent(
  routeKey: string,
  options: {
    body?: unknown;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    pathParameters?: Record<string, string>;
    sourceIp?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.45',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  };
}

/** A canonical event as track would publish it. */
export function tallyEvent(overrides: Partial<TallyEvent> = {}): TallyEvent {
  const timestamp = overrides.timestamp ?? '2026-11-20T10:15:00.000Z';
  return {
    messageId: randomUUID(),
    projectId: 'p1',
    type: 'track',
    event: 'Signed Up',
    userId: 'u1',
    timestamp,
    receivedAt: overrides.receivedAt ?? timestamp,
    properties: {},
    traits: {},
    context: {},
    ...overrides,
  };
}

interface RecordOptions {
  messageId?: string;
  receiveCount?: number;
}

/** An SQS record as EventBridge delivers a `tally.events` entry. */
export function sqsRecord(events: TallyEvent[], options: RecordOptions = {}): SQSRecord {
  const projectId = events[0]?.projectId ?? 'p1';
  const detail: EventsDetail = { v: 1, projectId, events };
  return busRecord(DETAIL_TYPE, detail, options);
}

/** An SQS record as EventBridge delivers a `tally.rejections` entry. */
export function rejectionsRecord(
  detail: Omit<RejectionsDetail, 'v'>,
  options: RecordOptions = {},
): SQSRecord {
  return busRecord(REJECTIONS_DETAIL_TYPE, { v: 1, ...detail }, options);
}

function busRecord(detailType: string, detail: unknown, options: RecordOptions): SQSRecord {
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: 'rh',
    body: JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: 'tally.track',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
    }),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
    awsRegion: 'us-east-1',
  };
}

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
