/**
 * Resources (agents, channels, workflows, any `resourceType`): the ranking (`resources/top`) and
 * one resource's figures with a per-day series (`resources/{type}/{id}`), from the per-day
 * resource and conversation maps.
 */
import * as v from 'valibot';
import { NotFoundError } from '../../../model/errors.ts';
import { emptyResourceStats } from '../../../store/aggregate.ts';
import { parseRange, type RangeOut, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { limitParam, projectParam, rangeParams, report, textParam } from '../../report.ts';
import { resourceResponse, topResourcesResponse } from '../../responses.ts';
import {
  conversationsWith,
  type ResourceRow,
  rankResources,
  resourceKey,
  resourceRow,
} from './compute.ts';
import { pathParam } from './params.ts';

export interface TopResourcesBody {
  project: string;
  range: RangeOut;
  type: string | null;
  /** Resources of that type (all types without one) active in the range. */
  totalResources: number;
  resources: ResourceRow[];
}

export const topResourcesReport = report({
  route: 'GET /api/v1/analytics/resources/top',
  response: topResourcesResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    type: textParam('Only this resource type: agent, channel, workflow, or any resourceType'),
    limit: limitParam(10, 500),
  }),
  run: async ({ deps, projectId, query }): Promise<TopResourcesBody> => {
    const range = parseRange(query, deps.now());
    const { total } = await readRange(deps, projectId, range.days, {
      resources: true,
      conversations: true,
    });
    const ranked = rankResources(total.resources, total.conversations, query.type);
    return {
      project: projectId,
      range: rangeOut(range),
      type: query.type ?? null,
      totalResources: ranked.length,
      resources: ranked.slice(0, query.limit),
    };
  },
  rows: (body: TopResourcesBody) => body.resources as unknown as Record<string, unknown>[],
});

export type ResourceDay = { day: string } & Omit<ResourceRow, 'type' | 'id'>;

export interface ResourceBody {
  project: string;
  range: RangeOut;
  resource: ResourceRow;
  /** Every day of the range, zeros included, oldest first. */
  series: ResourceDay[];
}

export const resourceReport = report({
  route: 'GET /api/v1/analytics/resources/{type}/{id}',
  response: resourceResponse,
  errors: { '404': 'No activity of the resource in the range' },
  query: v.object({ project: projectParam, ...rangeParams }),
  run: async ({ deps, projectId, query, event }): Promise<ResourceBody> => {
    const type = pathParam(event.pathParameters?.type, 'type');
    const id = pathParam(event.pathParameters?.id, 'id');
    const key = resourceKey(type, id);
    const range = parseRange(query, deps.now());
    const view = await readRange(deps, projectId, range.days, {
      resources: true,
      conversations: true,
    });
    const stats = view.total.resources[key];
    if (!stats) {
      throw new NotFoundError(`${type} ${id} has no activity from ${range.from} to ${range.to}`);
    }
    const series = view.days.map(({ day, parts }) => {
      const {
        type: _t,
        id: _i,
        ...figures
      } = resourceRow(
        key,
        parts.resources[key] ?? emptyResourceStats(),
        conversationsWith(parts.conversations, key),
      );
      return { day, ...figures };
    });
    return {
      project: projectId,
      range: rangeOut(range),
      resource: resourceRow(key, stats, conversationsWith(view.total.conversations, key)),
      series,
    };
  },
  rows: (body: ResourceBody) => body.series as unknown as Record<string, unknown>[],
});
