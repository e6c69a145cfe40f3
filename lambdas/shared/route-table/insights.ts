/** Message insights: sentiment and intent. */
import type { RouteDef } from '../routes.ts';

export const INSIGHTS_ROUTES: readonly RouteDef[] = [];
