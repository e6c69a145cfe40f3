/**
 * A project of its own for each test against the local twin (a write key from the admin API),
 * and what the admin API says the project holds: the summary and every raw event.
 */
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from './http.ts';

/** Creates a write key for `project` (a project exists once it has a key). */
export async function projectKey(stack: LocalStack, project: string): Promise<string> {
  const created = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=${project}`, {
    headers: bearer(stack.credentials.adminToken),
    body: { name: `${project} test` },
  });
  if (created.status !== 201 && created.status !== 200) {
    throw new Error(`write key for ${project}: ${created.status} ${JSON.stringify(created.body)}`);
  }
  return (created.body as { writeKey: string }).writeKey;
}

export async function adminGet(stack: LocalStack, path: string, project: string) {
  const sep = path.includes('?') ? '&' : '?';
  const res = await request(`${stack.baseUrl}/api/v1/analytics/${path}${sep}project=${project}`, {
    headers: bearer(stack.credentials.adminToken),
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

export interface Summary {
  totalEvents: number;
  totalUsers: number;
  totalMessages: number;
  totalTokens: number;
  totalConversations: number;
  avgResponseTimeMs: number | null;
}

/** The project's headline figures, once ingest has caught up with everything accepted. */
export async function summary(stack: LocalStack, project: string): Promise<Summary> {
  await stack.idle();
  return (await adminGet(stack, 'summary', project)) as unknown as Summary;
}

export interface StoredEvent {
  messageId: string;
  type: string;
  event?: string;
  userId?: string;
  anonymousId?: string;
  timestamp: string;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  context: Record<string, unknown>;
}

/** Every raw event of the project, through the admin API's `events` list, page by page. */
export async function storedEvents(
  stack: LocalStack,
  project: string,
  query = '',
): Promise<StoredEvent[]> {
  await stack.idle();
  const out: StoredEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: Record<string, unknown> = await adminGet(
      stack,
      `events?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`,
      project,
    );
    out.push(...(page.events as StoredEvent[]));
    cursor = (page.nextCursor as string | null) ?? null;
  } while (cursor);
  return out;
}

/** How many times each value occurs. */
export function occurrences(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
