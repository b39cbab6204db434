import autocannon from 'autocannon';
import type { PooledPush } from './push-pool.js';

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * Drives `url` with autocannon: `connections` connections, `pipelining` requests in flight on
 * each, for `seconds` (or until `amount` requests were sent), as fast as answered or at a fixed
 * `rate` a second; every request takes the next push of the shared pool (so connections never
 * resend each other's pushes).
 *
 * @example
 * const result = await load(`http://127.0.0.1:${port}/webhook`, pool, cursor, { seconds: 10, connections: 50, pipelining: 1 });
 */
export async function load(
  url: string,
  pool: readonly PooledPush[],
  cursor: { next: number },
  options: { seconds: number; connections: number; pipelining: number; amount?: number; rate?: number },
): Promise<LoadResult> {
  const settings: autocannon.Options = {
    url,
    connections: options.connections,
    pipelining: options.pipelining,
    // With `amount`, stop after that many requests, or after `seconds`, whichever comes first.
    duration: options.seconds,
    ...(options.amount === undefined ? {} : { amount: options.amount }),
    // A fixed offered load (requests a second over all connections) instead of as fast as answered.
    ...(options.rate === undefined || options.rate === 0 ? {} : { overallRate: options.rate }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const push = pool[cursor.next % pool.length]!;
          cursor.next += 1;
          return { ...request, method: 'POST', body: push.body, headers: push.headers };
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    let guard: NodeJS.Timeout | undefined;
    const instance = autocannon(settings, (error, done) => {
      clearTimeout(guard);
      if (error !== null && error !== undefined) reject(error as Error);
      else resolve(done);
    });
    // autocannon's `amount` overrides its duration: this keeps the time bound.
    guard = setTimeout(() => instance.stop(), options.seconds * 1000 + 1000);
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
