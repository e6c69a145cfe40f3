/**
 * Every page, in navigation order; the navigation groups them by `group`. A new report's page is
 * one entry here.
 */
import type { PageDef } from '../page.ts';
import { apiUsagePage } from './api-usage.ts';
import { conversationsPage } from './conversations.ts';
import { eventsPage } from './events.ts';
import { experimentsPage } from './experiments.ts';
import { featureAdoptionPage } from './feature-adoption.ts';
import { funnelsPage } from './funnels.ts';
import { messagesPage } from './messages.ts';
import { overviewPage } from './overview.ts';
import { resourcesPage } from './resources.ts';
import { retentionPage } from './retention.ts';
import { segmentsPage } from './segments.ts';
import { tokensPage } from './tokens.ts';
import { usageTrendsPage } from './usage-trends.ts';
import { usersPage } from './users.ts';
import { webTrafficPage } from './web-traffic.ts';
import { writeKeysPage } from './write-keys.ts';

export const PAGES: PageDef[] = [
  overviewPage,
  usersPage,
  conversationsPage,
  messagesPage,
  tokensPage,
  apiUsagePage,
  resourcesPage,
  eventsPage,
  webTrafficPage,
  usageTrendsPage,
  featureAdoptionPage,
  experimentsPage,
  funnelsPage,
  segmentsPage,
  retentionPage,
  writeKeysPage,
];
