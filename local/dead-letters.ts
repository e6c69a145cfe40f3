/** The local dead-letter queue: one JSON line per message, with why it failed. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeadLetter } from './queue.ts';

const DLQ_FILE = 'dlq.jsonl';

function deadLetterFile(dataDir: string): string {
  return join(dataDir, DLQ_FILE);
}

export function appendDeadLetter(dataDir: string, letter: DeadLetter): void {
  appendFileSync(deadLetterFile(dataDir), `${JSON.stringify(letter)}\n`);
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
