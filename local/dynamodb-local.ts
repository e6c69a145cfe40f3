/**
 * Runs DynamoDB Local, the official emulator, from the jar shipped in `amplify-dynamodb-simulator`,
 * with the machine's Java. Persists under a directory, or keeps everything in memory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from './ports.ts';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The emulator's process id (the benchmark pins it to cores of its own). */
  pid?: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database file; ignored when `inMemory`. */
  dataDir?: string;
  inMemory?: boolean;
  port?: number;
  /** Where the emulator's own output goes. */
  logFile?: string;
  /**
   * Where the emulator's process id is kept. A DynamoDB Local left running by a parent that was
   * killed (`kill -9` skips every exit handler) is stopped before a new one starts on the same
   * files.
   */
  pidFile?: string;
}

export function emulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

const children = new Set<ChildProcess>();
// A crash of the parent must not leave a Java process behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The command line of a process, or undefined if there is none (or it is a zombie). */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') || undefined;
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return undefined;
    }
  }
}

/** Stops the DynamoDB Local a killed parent left behind, if the pid file names a live one. */
async function stopOrphan(pidFile: string): Promise<void> {
  let pid: number;
  let port: string | undefined;
  try {
    const [p, q] = readFileSync(pidFile, 'utf8').trim().split(' ');
    pid = Number(p);
    port = q;
  } catch {
    return;
  }
  // The port too, so that a recycled pid of some other emulator is never taken for ours.
  const alive = () => {
    const command = Number.isInteger(pid) && pid > 0 ? commandOf(pid) : undefined;
    return !!command?.includes('DynamoDBLocal') && command.includes(`-port ${port} `);
  };
  if (alive()) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; alive() && waited < 5000; waited += 50) await sleep(50);
    if (alive()) process.kill(pid, 'SIGKILL');
    while (alive()) await sleep(50);
  }
  rmSync(pidFile, { force: true });
}

export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  if (options.pidFile) await stopOrphan(options.pidFile);
  const dir = emulatorDir();
  const port = options.port ?? (await freePort());
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.inMemory || !options.dataDir) {
    args.push('-inMemory');
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  }
  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, `${child.pid} ${port}\n`);
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  // A JVM start takes 40 s and more on a loaded 2-core machine (several test runs at once).
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}; is Java 17+ installed?`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 120 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();

  return {
    endpoint,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
      if (options.pidFile) rmSync(options.pidFile, { force: true });
    },
  };
}
