/**
 * `npm start` as a user runs it, for e2e tests: a real child process in its own process group
 * (as a terminal would have it), its output collected, and a way to stop or kill it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDPOINTS_FILE } from '../../local/data-dir.ts';

export interface NpmStart {
  child: ChildProcess;
  output: () => string;
  /** The node process running the stack (npm and tsx are its parents). */
  stackPid: () => number;
}

const running: ChildProcess[] = [];

/** Starts `npm start` and resolves once it prints that Tally is running. */
export async function npmStart(
  port: number,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<NpmStart> {
  const child = spawn('npm', ['start'], {
    env: {
      ...process.env,
      PORT: String(port),
      TALLY_DATA_DIR: dataDir,
      TALLY_DDB_MEMORY: '',
      ...env,
    },
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
  const deadline = Date.now() + 90_000;
  while (!out.includes('Tally is running at')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => out,
    stackPid: () =>
      (JSON.parse(readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8')) as { pid: number }).pid,
  };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
export async function interrupt(child: ChildProcess): Promise<void> {
  await signalGroup(child, 'SIGINT');
}

/** Sends `signal` to the process group and waits until npm has exited. */
export async function signalGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = exitOf(child);
  process.kill(-(child.pid as number), signal);
  await exited;
}

/** Resolves when the npm process has exited. */
export function exitOf(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', r));
}

/** The DynamoDB Local processes (`pgrep -af`) started for `dir`. */
export function javaProcessesFor(dir: string): string {
  try {
    return execFileSync('pgrep', ['-af', `DynamoDBLocal.*${dir}`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** For afterAll: SIGKILL every process group this file started that may still be alive. */
export function killStarted(): void {
  for (const c of running) {
    if (!c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
