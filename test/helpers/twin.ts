/**
 * The local twin for a test file that drives a client, and fault proxies in front of it, each
 * closed after its test: `const twin = useTwin('client-queue')`, then `twin.stack` and
 * `await twin.proxy()` inside the tests.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { LocalStack, LocalStackOptions } from '../../local/stack.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { startTestStack } from './stack.ts';

export function useTwin(name: string, options: Partial<LocalStackOptions> = {}) {
  let started: LocalStack | undefined;
  const open: FaultProxy[] = [];
  beforeAll(async () => {
    started = await startTestStack(name, options);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(() => started?.stop());
  const twin = {
    get stack(): LocalStack {
      if (!started) throw new Error('the twin is started in beforeAll');
      return started;
    },
    async proxy(): Promise<FaultProxy> {
      const p = await startFaultProxy(twin.stack.baseUrl);
      open.push(p);
      return p;
    },
  };
  return twin;
}
