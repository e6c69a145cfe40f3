/** A benchmark part run in a Node process of its own (tsx), its result read from its stdout. */
import { spawn } from 'node:child_process';

/**
 * Runs `file` with `args` under tsx and resolves with `parse` of everything it printed to stdout
 * once it exits with 0; rejects on any other exit, or when `parse` throws.
 */
export function tsxChild<T>(
  file: string,
  args: string[],
  parse: (stdout: string) => T,
  stderr: 'inherit' | 'ignore' = 'inherit',
): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', stderr],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${file} exited with ${code}`));
      try {
        resolve(parse(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}
