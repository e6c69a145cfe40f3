/**
 * Project settings for admins: retention of raw events and facts, the default rate limit of the
 * project's write keys, and a write key's own rate limit.
 */
import * as v from 'valibot';
import { readJson } from '../../http/json.ts';
import { ValidationError } from '../../model/errors.ts';
import { describeIssues } from '../../model/issues.ts';
import { RATE_LIMIT_BOUNDS, RETENTION_BOUNDS } from '../../model/limits.ts';
import {
  type ProjectSettings,
  readProjectSettings,
  setWriteKeyRateLimit,
  updateProjectSettings,
} from '../../store/settings.ts';
import { projectParam, report } from '../report.ts';
import { rateLimitedWriteKeyResponse, settingsResponse } from '../responses.ts';

const MAX_BODY = 4 * 1024;

const bounded = (b: { min: number; max: number }) =>
  v.pipe(v.number(), v.integer(), v.minValue(b.min), v.maxValue(b.max));

const rateLimit = v.strictObject({
  requestsPerSecond: bounded(RATE_LIMIT_BOUNDS.requestsPerSecond),
  eventsPerSecond: bounded(RATE_LIMIT_BOUNDS.eventsPerSecond),
});

const settingsBody = v.strictObject({
  retentionDays: v.optional(v.nullable(bounded(RETENTION_BOUNDS))),
  rateLimit: v.optional(v.nullable(rateLimit)),
});

const keyBody = v.strictObject({ rateLimit: v.nullable(rateLimit) });

function parseBody<T>(schema: v.GenericSchema<unknown, T>, body: unknown): T {
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) throw new ValidationError(`invalid body: ${describeIssues(parsed.issues)}`);
  return parsed.output;
}

/** What a project's settings come to: what is stored, and the retention in force. */
function view(projectId: string, stored: ProjectSettings, defaultRetention: number) {
  return {
    project: projectId,
    retentionDays: stored.retentionDays ?? defaultRetention,
    retentionSource: stored.retentionDays === undefined ? 'default' : 'project',
    // Unset: each key's own limit, else TALLY_RATE_LIMIT_REQUESTS / _EVENTS of the track function.
    rateLimit: stored.rateLimit ?? null,
  };
}

export const settingsReports = [
  report({
    route: 'GET /api/v1/analytics/settings',
    response: settingsResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) =>
      view(
        projectId,
        await readProjectSettings(deps.ddb, deps.tableName, projectId),
        deps.storage.retentionDays,
      ),
  }),
  report({
    route: 'PUT /api/v1/analytics/settings',
    response: settingsResponse,
    query: v.object({ project: projectParam }),
    body: settingsBody,
    run: async ({ deps, projectId, event }) => {
      // No body, or {}: nothing changes, the settings in force are answered.
      const change = parseBody(settingsBody, readJson(event, MAX_BODY, true) ?? {});
      const stored = await updateProjectSettings(deps.ddb, deps.tableName, projectId, change);
      return view(projectId, stored, deps.storage.retentionDays);
    },
  }),
  report({
    route: 'PUT /api/v1/analytics/write-keys/{keyId}/rate-limit',
    response: rateLimitedWriteKeyResponse,
    query: v.object({ project: projectParam }),
    body: keyBody,
    path: v.object({
      keyId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'is 16 hex characters')),
    }),
    errors: { '404': 'No such key in the project' },
    run: ({ deps, projectId, event }) => {
      const keyId = event.pathParameters?.keyId;
      if (!keyId || !/^[0-9a-f]{16}$/.test(keyId)) {
        throw new ValidationError('keyId is 16 hex characters');
      }
      const { rateLimit } = parseBody(keyBody, readJson(event, MAX_BODY));
      return setWriteKeyRateLimit(deps.ddb, deps.tableName, { projectId, keyId, rateLimit });
    },
  }),
];
