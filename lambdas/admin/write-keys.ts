/** Write-key management for admins: create (the secret is shown once), list (prefixes only), revoke. */
import { ValidationError } from '../shared/errors.ts';
import {
  generateWriteKey,
  listWriteKeys,
  putWriteKey,
  revokeWriteKey,
  type WriteKeyRecord,
} from '../shared/write-keys.ts';
import { ensureProject } from './projects.ts';
import type { ReportDeps } from './summary.ts';

export async function createKey(
  deps: ReportDeps,
  projectId: string,
  body: unknown,
): Promise<WriteKeyRecord & { writeKey: string }> {
  const name = body && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
  if (name !== undefined && (typeof name !== 'string' || name.length > 100)) {
    throw new ValidationError('name must be a string of at most 100 characters');
  }
  await ensureProject(deps.ddb, deps.tableName, projectId, projectId);
  const secret = generateWriteKey();
  const record = await putWriteKey(deps.ddb, deps.tableName, {
    projectId,
    secret,
    name: name || 'unnamed',
    now: new Date(deps.now()),
  });
  return { ...record, writeKey: secret };
}

export async function listKeys(deps: ReportDeps, projectId: string) {
  return { project: projectId, keys: await listWriteKeys(deps.ddb, deps.tableName, projectId) };
}

export function revokeKey(deps: ReportDeps, projectId: string, keyId: string | undefined) {
  if (!keyId || !/^[0-9a-f]{16}$/.test(keyId))
    throw new ValidationError('keyId is 16 hex characters');
  return revokeWriteKey(deps.ddb, deps.tableName, { projectId, keyId, now: new Date(deps.now()) });
}
