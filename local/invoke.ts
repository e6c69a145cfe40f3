/**
 * Calling a handler as the Lambda runtime does: with a context object (request id, function
 * name, remaining time) and inside an invocation scope of its own. The twin runs invocations of
 * one function concurrently in one process, as a Lambda instance does when it serves several at
 * once; so, like that runtime, it keeps each invocation's state in an `InvokeStore` backed by
 * AsyncLocalStorage and sets `AWS_LAMBDA_MAX_CONCURRENCY`, and Powertools' Logger then keeps
 * each invocation's request id on its own log lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

type Scope = Record<string | symbol, unknown>;

/**
 * The runtime's store for concurrent invocations (`@aws/lambda-invoke-store` does not export its
 * own): one AsyncLocalStorage scope per invocation.
 */
class ConcurrentInvokeStore extends InvokeStoreBase {
  readonly #scopes = new AsyncLocalStorage<Scope>();

  getContext(): Scope | undefined {
    return this.#scopes.getStore();
  }

  hasContext(): boolean {
    return this.#scopes.getStore() !== undefined;
  }

  get<T = unknown>(key: string | symbol): T | undefined {
    return this.#scopes.getStore()?.[key] as T | undefined;
  }

  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`${String(key)} is the runtime's`);
    const scope = this.#scopes.getStore();
    if (!scope) throw new Error('No invocation in progress');
    scope[key] = value;
  }

  run<T>(context: Scope, fn: () => T): T {
    return this.#scopes.run(context, fn);
  }
}

let store: ConcurrentInvokeStore | undefined;

/** Installs the store once per process, before telling Powertools that invocations overlap. */
function invokeStore(): ConcurrentInvokeStore {
  if (!store) {
    store = new ConcurrentInvokeStore();
    globalThis.awslambda = { ...globalThis.awslambda, InvokeStore: store };
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
  }
  return store;
}

/** The context object Lambda passes a handler. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs one invocation of `handler` (the function `functionName`) on `event`. */
export function invoke<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  functionName: string,
  event: E,
): Promise<R> {
  const context = lambdaContext(functionName);
  return invokeStore().run(
    { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId },
    () => handler(event, context),
  );
}
