/** The local twin for an e2e test file: the run's shared DynamoDB Local, a fresh table and data dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.ts';

export function startTestStack(
  name: string,
  options: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), `tally-${name}-`)),
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: `${name}-${Date.now()}`,
    // Tests run the rollup when they mean to (POST …/metrics/refresh), never behind their back.
    rollupIntervalMs: 0,
    ...options,
  });
}
