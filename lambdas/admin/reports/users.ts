/** Deleting a user's data, and the audit log of deletions (docs/data-model.md "Deleting a user"). */
import * as v from 'valibot';
import { createLogger } from '../../http/logger.ts';
import { ValidationError } from '../../model/errors.ts';
import { listDeletions, requestDeletion } from '../../rebuild/deletion.ts';
import { projectParam, report } from '../report.ts';
import { deletionResponse, deletionsResponse } from '../responses.ts';

/** Longest user id accepted: what a fact keeps of one. */
const MAX_USER_ID = 200;
const log = createLogger('admin');

export const userDeletionReports = [
  report({
    route: 'DELETE /api/v1/analytics/user-data/{userId}',
    response: deletionResponse,
    query: v.object({ project: projectParam }),
    path: v.object({
      userId: v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(MAX_USER_ID),
        v.description('The userId, or anon:<anonymousId> for an anonymous user'),
      ),
    }),
    status: 202,
    run: async ({ deps, projectId, event, principal }) => {
      const userId = event.pathParameters?.userId;
      if (!userId || userId.length > MAX_USER_ID) {
        throw new ValidationError(`userId is 1-${MAX_USER_ID} characters`);
      }
      const deletion = await requestDeletion(
        {
          ddb: deps.ddb,
          storage: deps.storage,
          now: deps.now,
          log,
          settleMs: deps.rollup.settleMs,
        },
        projectId,
        // API Gateway (and the twin) decode the path: `anon:<id>` deletes an anonymous actor.
        userId,
        principal.subject ?? 'unknown',
      );
      return { deletion };
    },
  }),
  report({
    route: 'GET /api/v1/analytics/user-deletions',
    response: deletionsResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => ({
      project: projectId,
      deletions: await listDeletions(deps.ddb, deps.tableName, projectId),
    }),
    rows: (body: { deletions: Record<string, unknown>[] }) => body.deletions,
  }),
];
