/**
 * The log volume the handlers really write: while the local twin runs them in this process, their
 * Powertools JSON lines (stdout and stderr, as Lambda collects both) are counted by the `service`
 * each names, and kept off the benchmark's own output, where only warnings and errors still show.
 */
import type { ACCESS_LOG_FIELDS } from '../lib/access-log.ts';

export interface LogVolume {
  /** Lines and bytes by service (`track`, `ingest`, …). */
  byService: Record<string, { lines: number; bytes: number }>;
}

type Write = typeof process.stdout.write;

/** Starts counting; `take()` returns what was counted since the last `take()`. */
export function captureHandlerLogs(): { take(): LogVolume; stop(): void } {
  let counted: LogVolume['byService'] = {};
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const wrap = (stream: NodeJS.WriteStream, original: Write): Write =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      const lines = text.split('\n').filter((l) => l.startsWith('{') && l.includes('"level"'));
      if (!lines.length)
        return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      for (const line of lines) {
        let service = 'unknown';
        let level = 'INFO';
        try {
          ({ service = service, level = level } = JSON.parse(line) as {
            service?: string;
            level?: string;
          });
        } catch {
          // not JSON after all: counted under 'unknown'
        }
        const c = counted[service] ?? { lines: 0, bytes: 0 };
        counted[service] = { lines: c.lines + 1, bytes: c.bytes + Buffer.byteLength(line) + 1 };
        if (level === 'WARN' || level === 'ERROR') originals.err.call(process.stderr, `${line}\n`);
      }
      return true;
    } as Write;
  process.stdout.write = wrap(process.stdout, originals.out);
  process.stderr.write = wrap(process.stderr, originals.err);
  return {
    take() {
      const out = { byService: counted };
      counted = {};
      return out;
    },
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

/**
 * Lambda's own lines per invocation (text format: START, END, REPORT), with a request id and
 * figures of typical width: what every invocation adds to its log group.
 */
export const LAMBDA_PLATFORM_LOG_BYTES = Buffer.byteLength(
  [
    'START RequestId: 3f5c9a1e-7b2d-4c8e-9f10-2a4b6c8d0e12 Version: $LATEST',
    'END RequestId: 3f5c9a1e-7b2d-4c8e-9f10-2a4b6c8d0e12',
    'REPORT RequestId: 3f5c9a1e-7b2d-4c8e-9f10-2a4b6c8d0e12\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 98 MB\t',
    '',
  ].join('\n'),
);

/** One API access log line (lib/access-log.ts) with the values of a tracking request. */
export const ACCESS_LOG_BYTES = Buffer.byteLength(
  `${JSON.stringify({
    requestId: 'K5X9ei3DIAMEbvw=',
    time: '01/Dec/2026:20:15:18 +0000',
    method: 'POST',
    route: 'POST /v1/batch',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '27',
    latencyMs: '25',
    integrationLatencyMs: '23',
    integrationError: '-',
  } satisfies Record<keyof typeof ACCESS_LOG_FIELDS, string>)}\n`,
);
