/** Write-key management for admins: create (the secret is shown once), list (prefixes only), revoke. */
import * as v from 'valibot';
import { readJson } from '../../http/json.ts';
import { ValidationError } from '../../model/errors.ts';
import { describeIssues } from '../../model/issues.ts';
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

/** An origin as a browser sends it: scheme, host and port only. */
const isOrigin = (text: string) => {
  try {
    const url = new URL(text);
    return url.origin === text && (url.protocol === 'https:' || url.protocol === 'http:');
  } catch {
    return false;
  }
};

/** The body of a key creation: an optional name (default "unnamed"), kind and origins. */
const createBody = v.optional(
  v.object({
    name: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(100),
        v.description('What the key is for (default "unnamed")'),
      ),
    ),
    kind: v.optional(
      v.pipe(
        v.picklist(['server', 'browser']),
        v.description(
          'browser: for the tracker on public pages, page and track calls only (default server)',
        ),
      ),
    ),
    origins: v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.string(),
            v.check(isOrigin, 'must be an origin such as https://www.example.com (no path)'),
            // The document's pattern: origins `isOrigin` takes (lower-case letter-led labels, no
            // default port), fewer than it takes.
            v.metadata({
              pattern:
                '^https?://[a-z][a-z0-9]{0,30}(?:\\.[a-z][a-z0-9]{0,30}){0,4}(?::[1-9]\\d{3})?$',
            }),
          ),
        ),
        v.maxLength(50),
        v.description(
          'Accept the key only from requests whose Origin is one of these (default: any)',
        ),
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
      if (!parsed.success)
        throw new ValidationError(`invalid key: ${describeIssues(parsed.issues)}`);
      const { name, kind, origins } = parsed.output ?? {};
      await ensureProject(deps.ddb, deps.tableName, projectId, projectId);
      const secret = generateWriteKey();
      const record = await putWriteKey(deps.ddb, deps.tableName, {
        projectId,
        secret,
        name: name || 'unnamed',
        kind,
        origins,
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
