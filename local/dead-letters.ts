/** The local dead-letter queue: one JSON line per message, with why it failed. */
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

function deadLetterFile(dataDir: string): string {
  return join(dataDir, DLQ_FILE);
}

/**
 * Appends a letter and fsyncs it: the queue forgets a message once it is dead-lettered, so the
 * letter must be on disk first. Synchronous: dead letters are rare, and this keeps them in order.
 */
export function appendDeadLetter(dataDir: string, letter: DeadLetter): void {
  const fd = openSync(deadLetterFile(dataDir), 'a');
  try {
    writeFileSync(fd, `${JSON.stringify(letter)}\n`);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readDeadLetters(dataDir: string): DeadLetter[] {
  const file = deadLetterFile(dataDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DeadLetter);
}

export function writeDeadLetters(dataDir: string, letters: DeadLetter[]): void {
  writeFileSync(deadLetterFile(dataDir), letters.map((l) => `${JSON.stringify(l)}\n`).join(''));
}
