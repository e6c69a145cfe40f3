/** The curl examples of a doc, run as a reader would run them against the local twin. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** The base URL the docs use; examples are run against the test stack's instead. */
export const DOC_BASE_URL = 'http://127.0.0.1:3000';

/** Every line of the doc that starts with `curl `. */
export function curlExamples(doc: string): string[] {
  return readFileSync(doc, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('curl '));
}

export interface CurlReply {
  status: number;
  body: unknown;
}

/**
 * Runs one example with `sh -c` against `baseUrl`, with `env` added (WRITE_KEY, ADMIN_TOKEN…):
 * the HTTP status and the body parsed as JSON (a body that is not JSON throws).
 */
export async function runCurlExample(
  example: string,
  baseUrl: string,
  env: Record<string, string>,
): Promise<CurlReply> {
  const command = example
    .replaceAll(DOC_BASE_URL, baseUrl)
    .replace(/^curl /, 'curl -s -w "\\n%{http_code}" ');
  const { stdout } = await promisify(execFile)('sh', ['-c', command], {
    env: { ...process.env, ...env },
  });
  const lines = stdout.trim().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) };
}
