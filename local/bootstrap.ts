/**
 * Ensures the dev project, its write key and an admin token exist, and writes them to
 * `local-credentials.json` (the contract tools and tests read). The write key survives restarts;
 * the token is minted fresh at every start.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureProject } from '../lambdas/store/projects.ts';
import { generateWriteKey, putWriteKey, WriteKeyResolver } from '../lambdas/store/write-keys.ts';
import type { LocalIssuer } from './issuer.ts';

export const DEV_PROJECT = 'default';
export const CREDENTIALS_FILE = 'local-credentials.json';

export interface LocalCredentials {
  baseUrl: string;
  writeKey: string;
  adminToken: string;
  projectId: string;
}

export async function bootstrapCredentials(input: {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  dataDir: string;
  baseUrl: string;
  issuer: LocalIssuer;
}): Promise<LocalCredentials> {
  const { ddb, tableName, dataDir } = input;
  await ensureProject(ddb, tableName, DEV_PROJECT, 'Local development');

  const file = join(dataDir, CREDENTIALS_FILE);
  let writeKey: string | undefined;
  if (existsSync(file)) {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalCredentials>;
    if (previous.writeKey && previous.projectId === DEV_PROJECT) {
      const resolver = new WriteKeyResolver(ddb, tableName, 0);
      if ((await resolver.resolve(previous.writeKey)) === DEV_PROJECT) writeKey = previous.writeKey;
    }
  }
  if (!writeKey) {
    writeKey = generateWriteKey();
    await putWriteKey(ddb, tableName, {
      projectId: DEV_PROJECT,
      secret: writeKey,
      name: 'local dev key',
      now: new Date(),
    });
  }
  const credentials: LocalCredentials = {
    baseUrl: input.baseUrl,
    writeKey,
    adminToken: await input.issuer.mint({ role: 'admin' }),
    projectId: DEV_PROJECT,
  };
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}
