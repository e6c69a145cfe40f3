/** People and things: users, their activity, raw events, conversations and resources. */
import type { Report } from '../report.ts';
import { activitiesReport, eventsReport } from './people/activity.ts';
import { conversationReport, conversationsReport } from './people/conversations.ts';
import { resourceReport, topResourcesReport } from './people/resources.ts';
import { topUsersReport, userListReport } from './people/users.ts';

export const peopleReports: Report<unknown>[] = [
  activitiesReport,
  topUsersReport,
  userListReport,
  eventsReport,
  conversationsReport,
  conversationReport,
  topResourcesReport,
  resourceReport,
] as Report<unknown>[];
