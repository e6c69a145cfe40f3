/** Usage reports: overview, daily stats, event counts, messages, tokens, API usage. */
import type { RouteDef } from '../routes.ts';

export const USAGE_ROUTES: readonly RouteDef[] = [];
