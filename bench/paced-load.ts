import { Pool } from 'undici';
import type { PooledPush } from './push-pool.js';

/** What a paced run measured: latency in ms from each request's send to its answer's end. */
export interface PacedResult {
  /** Requests sent, and answered 2xx. */
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Requests that failed (connection errors) or were still unanswered when the run gave up waiting. */
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  /** The rate actually offered: requests sent per second of the run. */
  readonly offered: number;
  /** How far, at worst, the sender fell behind its schedule (ms): past a few ms, the sender was starved and the rate was not fixed. */
  readonly maxLagMs: number;
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

/**
 * Offers `rate` pushes per second to `url` for `seconds`, open loop: each request leaves on its
 * schedule whether or not earlier ones were answered (autocannon's `overallRate` sends each
 * connection's share of a second in a burst, so its latencies are those of the burst). Every
 * request takes the next push of the shared pool.
 *
 * @example
 * const result = await pacedLoad(`http://127.0.0.1:${port}/webhook`, pool, cursor, { rate: 1_000, seconds: 10, connections: 64 });
 */
export async function pacedLoad(
  url: string,
  pool: readonly PooledPush[],
  cursor: { next: number },
  options: { rate: number; seconds: number; connections: number },
): Promise<PacedResult> {
  const target = new URL(url);
  const client = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const total = Math.round(options.rate * options.seconds);
  // NaN until answered: a request never answered is not a latency of 0.
  const latencies = new Float64Array(total).fill(Number.NaN);
  let sent = 0;
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let maxLagMs = 0;
  const send = () => {
    const push = pool[cursor.next % pool.length]!;
    cursor.next += 1;
    const index = sent;
    sent += 1;
    const started = performance.now();
    client.request({ path: target.pathname, method: 'POST', headers: push.headers, body: push.body }).then(
      async ({ statusCode, body }) => {
        await body.dump();
        latencies[index] = performance.now() - started;
        answered += 1;
        if (statusCode >= 200 && statusCode < 300) ok += 1;
        else non2xx += 1;
      },
      () => {
        answered += 1;
        errors += 1;
      },
    );
  };
  const begun = performance.now();
  await new Promise<void>((resolve) => {
    // A 1 ms tick sends what the schedule says is due by now: a late tick catches up at once.
    const timer = setInterval(() => {
      const elapsed = performance.now() - begun;
      const due = Math.min(total, Math.floor((elapsed * options.rate) / 1000));
      if (due > sent) maxLagMs = Math.max(maxLagMs, elapsed - (sent * 1000) / options.rate);
      while (sent < due) send();
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const seconds = (performance.now() - begun) / 1000;
  const giveUp = performance.now() + 10_000;
  while (answered < sent && performance.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 5));
  await client.destroy();
  const measured = latencies.filter((latency) => !Number.isNaN(latency)).sort();
  return {
    sent,
    ok,
    non2xx,
    errors: errors + (sent - answered),
    p50: percentile(measured, 50),
    p99: percentile(measured, 99),
    offered: sent / seconds,
    maxLagMs,
  };
}
