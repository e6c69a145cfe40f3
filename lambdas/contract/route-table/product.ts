/** Product analytics: usage trends, feature adoption, experiments, funnels, segments, retention (docs/api-product-analytics.md). */
import type { RouteDef } from '../route-def.ts';

const product = (method: RouteDef['method'], path: string, summary: string): RouteDef => ({
  method,
  path: `/api/v1/analytics/${path}`,
  fn: 'admin',
  auth: 'admin',
  summary,
});

/** The product reports' routes, one per report in lambdas/admin/reports/product/. */
export const PRODUCT_ROUTES: readonly RouteDef[] = [
  product(
    'GET',
    'web-traffic',
    'Page views, visitors, sessions, bounce rate, session duration, pages (entry, exit), referrers, UTM tags, browsers, OS, devices, visitors in the last 5 minutes',
  ),
  product(
    'GET',
    'usage-trends',
    'DAU, WAU, MAU and stickiness per day; usage figures per hour, day, week or month against the previous period',
  ),
  product(
    'GET',
    'feature-adoption',
    'Per declared feature: uses, distinct users, adoption rate, trend against the previous period, history',
  ),
  product(
    'GET',
    'feature-adoption/features',
    'The features the project declared (or the defaults while it declares none)',
  ),
  product('POST', 'feature-adoption/features', 'Declare or replace a feature: a name and an event'),
  product('DELETE', 'feature-adoption/features', 'Remove a declared feature (name=…)'),
  product('GET', 'experiments', 'The declared experiments and their status'),
  product(
    'POST',
    'experiments',
    'Declare or replace an experiment: variants and weights, goal, start and stop, test settings',
  ),
  product(
    'GET',
    'experiments/{id}',
    'Results of one experiment: per variant exposures, conversions or means, lift, p-value, chance to beat control, SRM, sample size, recommendation',
  ),
  product('DELETE', 'experiments/{id}', 'Remove a declared experiment'),
  product(
    'GET',
    'experiment-results',
    'Results of every experiment, or of those scheduled, running or stopped (status=…)',
  ),
  product('GET', 'funnels', 'The standard funnels and the declared ones'),
  product(
    'POST',
    'funnels',
    'Declare or replace a funnel: a name, 2-10 ordered steps (event names), a conversion window',
  ),
  product(
    'GET',
    'funnels/{name}',
    'One funnel over a range: per step entered, completed, completion and drop-off rates, median and p90 time to convert',
  ),
  product('DELETE', 'funnels/{name}', 'Remove a declared funnel'),
  product(
    'GET',
    'user-segments',
    'Users in behavioural segments (new, power, casual, at-risk, dormant): size, share, engagement score; one segment’s members, paged',
  ),
  product(
    'GET',
    'retention',
    'Cohorts by first-seen day or week; per following period the users who came back (on, or on or after)',
  ),
];
