/**
 * The local dead-letter queue: one JSON line per message, with why it failed. Beside it, the
 * rejections sink: one JSON line per item a tracking request rejected, with its reason.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DeadLetter } from './queue.ts';

const DLQ_FILE = 'dlq.jsonl';
/** The local rejections sink (the RejectedQueue in AWS). */
export const REJECTED_FILE = 'rejected.jsonl';

function deadLetterFile(dataDir: string): string {
  return join(dataDir, DLQ_FILE);
}

/**
 * Appends a letter and fsyncs it: the queue forgets a message once it is dead-lettered, so the
 * letter must be on disk first. Synchronous: dead letters are rare, and this keeps them in order.
 */
export function appendDeadLetter(dataDir: string, letter: DeadLetter): void {
  appendLines(deadLetterFile(dataDir), [letter]);
}

export function readDeadLetters(dataDir: string): DeadLetter[] {
  return readLines(deadLetterFile(dataDir)) as DeadLetter[];
}

/** An entry of the rejections sink: the message ingest sent, and its reason. */
export interface RejectedEntry {
  reason: string;
  body: Record<string, unknown>;
}

/** Appends entries of the rejections sink, fsync'd as dead letters are. */
export function appendRejected(dataDir: string, entries: RejectedEntry[]): void {
  appendLines(join(dataDir, REJECTED_FILE), entries);
}

export function readRejected(dataDir: string): RejectedEntry[] {
  return readLines(join(dataDir, REJECTED_FILE)) as RejectedEntry[];
}

function appendLines(file: string, values: unknown[]): void {
  const fd = openSync(file, 'a');
  try {
    writeFileSync(fd, values.map((v) => `${JSON.stringify(v)}\n`).join(''));
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export function writeDeadLetters(dataDir: string, letters: DeadLetter[]): void {
  writeFileSync(deadLetterFile(dataDir), letters.map((l) => `${JSON.stringify(l)}\n`).join(''));
}
