/**
 * The local stand-in for EventBridge Scheduler: runs the rollup Lambda's hourly job (yesterday and
 * today, every project) on a timer, through the same handler module. A run never overlaps the last.
 */
import { invoke } from './invoke.ts';

export function startRollupScheduler(intervalMs: number, log: (line: string) => void) {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running ??= (async () => {
      try {
        const { handler } = await import('../lambdas/rollup/handler.ts');
        const { days, events } = await invoke(handler, 'tally-rollup', { mode: 'hourly' });
        log(`rollup: rebuilt ${days} project-days from ${events} events`);
      } catch (error) {
        log(`rollup failed: ${(error as Error).message}`);
      } finally {
        running = undefined;
      }
    })();
  };
  if (intervalMs > 0) {
    timer = setInterval(tick, intervalMs);
    timer.unref();
  }
  return {
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
