/** Write-key management for admins: create (the secret is shown once), list (prefixes only), revoke. */
import * as v from 'valibot';
import { readJson } from '../../http/json.ts';
import { ValidationError } from '../../model/errors.ts';
import { ensureProject } from '../../store/projects.ts';
import {
  generateWriteKey,
  listWriteKeys,
  putWriteKey,
  revokeWriteKey,
} from '../../store/write-keys.ts';
import { projectParam, report } from '../report.ts';

/** Bodies of admin requests are small. */
const MAX_BODY = 16 * 1024;

export const writeKeyReports = [
  report({
    route: 'GET /api/v1/analytics/write-keys',
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => ({
      project: projectId,
      keys: await listWriteKeys(deps.ddb, deps.tableName, projectId),
    }),
    rows: (body: { keys: Record<string, unknown>[] }) => body.keys,
  }),
  report({
    route: 'POST /api/v1/analytics/write-keys',
    query: v.object({ project: projectParam }),
    status: 201,
    run: async ({ deps, projectId, event }) => {
      const body = readJson(event, MAX_BODY, true);
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
    },
  }),
  report({
    route: 'DELETE /api/v1/analytics/write-keys/{keyId}',
    query: v.object({ project: projectParam }),
    run: ({ deps, projectId, event }) => {
      const keyId = event.pathParameters?.keyId;
      if (!keyId || !/^[0-9a-f]{16}$/.test(keyId)) {
        throw new ValidationError('keyId is 16 hex characters');
      }
      return revokeWriteKey(deps.ddb, deps.tableName, {
        projectId,
        keyId,
        now: new Date(deps.now()),
      });
    },
  }),
];
