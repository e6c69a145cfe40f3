/**
 * The README's promise, as a user runs it: `npm start` brings the stack up with data on disk,
 * prints and writes the credentials, counts a tracked event, stops everything on Ctrl-C
 * (DynamoDB Local included), and a second start keeps the data and the write key.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/ports.ts';
import { basic, bearer, request } from '../helpers/http.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-start-'));
const running: ChildProcess[] = [];

async function npmStart(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(port), TALLY_DATA_DIR: dataDir, TALLY_DDB_MEMORY: '' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('Tally is running at')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
async function interrupt(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-(child.pid as number), 'SIGINT');
  await exited;
}

function javaProcessesFor(dir: string): string {
  try {
    return execFileSync('pgrep', ['-af', `DynamoDBLocal.*${dir}`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

afterAll(() => {
  for (const c of running) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

describe('npm start', () => {
  it('runs Tally locally, counts an event, stops cleanly, and keeps data across restarts', async () => {
    const port = await freePort();
    const first = await npmStart(port);
    const creds = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8'));
    expect(creds).toEqual({
      baseUrl: `http://127.0.0.1:${port}`,
      writeKey: expect.stringMatching(/^tk_/),
      adminToken: expect.stringMatching(/^ey/),
      projectId: 'default',
    });
    expect(first.output()).toContain(creds.writeKey);
    expect(first.output()).toContain(creds.adminToken);

    const tracked = await request(`${creds.baseUrl}/v1/track`, {
      headers: basic(creds.writeKey),
      body: { userId: 'u1', event: 'Signed Up' },
    });
    expect(tracked.status).toBe(200);
    let summary: Record<string, unknown> = {};
    for (let i = 0; i < 40 && summary.totalEvents !== 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      summary = (
        await request(`${creds.baseUrl}/api/v1/analytics/summary`, {
          headers: bearer(creds.adminToken),
        })
      ).body as Record<string, unknown>;
    }
    expect(summary).toMatchObject({ totalEvents: 1, totalUsers: 1 });
    expect(javaProcessesFor(dataDir)).not.toBe('');

    await interrupt(first.child);
    expect(first.output()).toContain('stopped');
    expect(javaProcessesFor(dataDir)).toBe('');
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);

    const second = await npmStart(port);
    const again = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8'));
    expect(again.writeKey).toBe(creds.writeKey);
    const kept = await request(`${again.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(again.adminToken),
    });
    expect(kept.body).toMatchObject({ totalEvents: 1, totalUsers: 1 });
    await interrupt(second.child);
    expect(javaProcessesFor(dataDir)).toBe('');
  }, 120_000);
});
