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
import {
  createdWriteKeyResponse,
  revokedWriteKeyResponse,
  writeKeysResponse,
} from '../responses.ts';

/** Bodies of admin requests are small. */
const MAX_BODY = 16 * 1024;

/** The body of a key creation: an optional name (default "unnamed"). */
const createBody = v.optional(
  v.object({
    name: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(100),
        v.description('What the key is for (default "unnamed")'),
      ),
    ),
  }),
);

export const writeKeyReports = [
  report({
    route: 'GET /api/v1/analytics/write-keys',
    response: writeKeysResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => ({
      project: projectId,
      keys: await listWriteKeys(deps.ddb, deps.tableName, projectId),
    }),
    rows: (body: { keys: Record<string, unknown>[] }) => body.keys,
  }),
  report({
    route: 'POST /api/v1/analytics/write-keys',
    response: createdWriteKeyResponse,
    query: v.object({ project: projectParam }),
    status: 201,
    body: createBody,
    run: async ({ deps, projectId, event }) => {
      const body = readJson(event, MAX_BODY, true);
      const parsed = v.safeParse(createBody, body);
      if (!parsed.success) {
        throw new ValidationError('name must be a string of at most 100 characters');
      }
      const name = parsed.output?.name;
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
    response: revokedWriteKeyResponse,
    query: v.object({ project: projectParam }),
    path: v.object({
      keyId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'is 16 hex characters')),
    }),
    errors: { '404': 'No such key in the project' },
    run: ({ deps, projectId, event }) => {
      const keyId = event.pathParameters?.keyId as string;
      return revokeWriteKey(deps.ddb, deps.tableName, {
        projectId,
        keyId,
        now: new Date(deps.now()),
      });
    },
  }),
];
