/**
 * `npm start`: the whole of Tally on one port, with data under TALLY_DATA_DIR (default .data).
 * Prints the dev credentials; SIGINT/SIGTERM stop everything it started, DynamoDB Local included.
 * Accepted events are journaled on disk until ingested, so even `kill -9` loses none of them.
 */
import { join, relative } from 'node:path';
import { parseOrigins } from '../lambdas/contract/cors.ts';
import { CREDENTIALS_FILE } from './bootstrap.ts';
import { dataDirFromEnv } from './data-dir.ts';
import { parseMaxBacklog } from './queue.ts';
import { startLocalStack } from './stack.ts';

const dataDir = dataDirFromEnv();
const port = Number(process.env.PORT ?? 3000);
const inMemory = process.env.TALLY_DDB_MEMORY === '1';
const maxBacklog = parseMaxBacklog(process.env.TALLY_LOCAL_MAX_BACKLOG);
const corsOrigins = parseOrigins(process.env.TALLY_CORS_ORIGINS, 'TALLY_CORS_ORIGINS');
const log = (line: string) => console.log(`[tally] ${line}`);

const stack = await startLocalStack({
  port,
  dataDir,
  inMemory,
  maxBacklog,
  corsOrigins,
  log,
});
const { baseUrl, writeKey, adminToken, projectId } = stack.credentials;

console.log(`
Tally is running at ${baseUrl}

  project      ${projectId}
  write key    ${writeKey}
  admin token  ${adminToken}
  dashboard    ${baseUrl}/  (one click signs in through the local issuer)
  credentials  ${join(dataDir, CREDENTIALS_FILE)}

Try:
  curl -u ${writeKey}: -H 'content-type: application/json' \\
    -d '{"userId":"u1","event":"Signed Up"}' ${baseUrl}/v1/track
  curl -H "authorization: Bearer $(node -p "require('./${relative(process.cwd(), join(dataDir, CREDENTIALS_FILE))}').adminToken")" \\
    ${baseUrl}/api/v1/analytics/summary
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  try {
    await stack.stop();
    log('stopped');
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
