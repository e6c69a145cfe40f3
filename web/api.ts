/** The admin API client the dashboard and the `<tally-panel>` element share. */
export const ANALYTICS = '/api/v1/analytics';

/** An answer other than 2xx, with the API's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  /** Where the API is: '' for the same origin. */
  base: string;
  /** The bearer token (undefined: not signed in). */
  token: () => Promise<string | undefined>;
  /** Called once on a 401 to get a fresh token; undefined gives up. */
  renew?: () => Promise<string | undefined>;
}

export interface Api {
  get<T>(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<T>;
  send<T>(method: string, path: string, params?: URLSearchParams, body?: unknown): Promise<T>;
  /** The raw response (exports). */
  raw(path: string, params?: URLSearchParams): Promise<Response>;
  /**
   * Starts a GET now, while other requests are under way; the next `get` of the same path and
   * parameters takes its answer instead of asking again.
   */
  prefetch(path: string, params?: URLSearchParams): void;
}

export function createApi(options: ApiOptions): Api {
  async function call(
    method: string,
    path: string,
    params?: URLSearchParams,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const url = `${options.base}${ANALYTICS}/${path}${params?.size ? `?${params}` : ''}`;
    const once = async (token: string | undefined) =>
      fetch(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    let res = await once(await options.token());
    if (res.status === 401 && options.renew) {
      const fresh = await options.renew();
      if (fresh) res = await once(fresh);
    }
    if (!res.ok) {
      const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      throw new ApiError(res.status, answer.error?.message ?? `The API answered ${res.status}`);
    }
    return res;
  }
  const early = new Map<string, Promise<unknown>>();
  const keyOf = (path: string, params?: URLSearchParams) => `${path}?${params ?? ''}`;
  const get = async <T>(path: string, params?: URLSearchParams, signal?: AbortSignal) =>
    (await call('GET', path, params, undefined, signal)).json() as Promise<T>;
  return {
    get: <T>(path: string, params?: URLSearchParams, signal?: AbortSignal) => {
      const key = keyOf(path, params);
      const started = early.get(key);
      early.delete(key);
      return (started as Promise<T> | undefined) ?? get<T>(path, params, signal);
    },
    prefetch: (path, params) => {
      const started = get(path, params);
      // An answer nobody takes (the admin moved on) must not surface as an unhandled rejection.
      started.catch(() => {});
      early.set(keyOf(path, params), started);
    },
    send: async <T>(method: string, path: string, params?: URLSearchParams, body?: unknown) => {
      const res = await call(method, path, params, body);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
    raw: (path, params) => call('GET', path, params),
  };
}
