/**
 * What the `npm run` commands that call the running local twin's admin API share: its credentials
 * (written by `npm start`) and one call that explains, and exits, when the twin is not there or
 * refuses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CREDENTIALS_FILE, type LocalCredentials } from './bootstrap.ts';
import { dataDirFromEnv } from './data-dir.ts';

export function twinCredentials(): LocalCredentials {
  const file = join(dataDirFromEnv(), CREDENTIALS_FILE);
  if (!existsSync(file)) {
    console.error(`No ${file}: start Tally with \`npm start\` first.`);
    process.exit(1);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
}

/** Calls an admin route of the twin with its admin token; the JSON body of a 2xx answer. */
export async function callAdmin<T>(
  creds: LocalCredentials,
  method: string,
  path: string,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${creds.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${creds.adminToken}` },
    });
  } catch {
    console.error(`Tally is not answering at ${creds.baseUrl}: is \`npm start\` running?`);
    process.exit(1);
  }
  const body = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) {
    console.error(`Refused (${res.status}): ${body.error?.message}`);
    process.exit(1);
  }
  return body;
}
