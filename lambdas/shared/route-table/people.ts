/** People and things: users, activities, raw events, conversations, resources. */
import type { RouteDef } from '../routes.ts';

export const PEOPLE_ROUTES: readonly RouteDef[] = [];
