// Queue mode in `npm run bench`: the echo agent's ingress in queue mode against direct mode
// (same pushes, same load), and how fast 1 and 2 worker processes drain a pre-filled stream.
// Needs NATS with JetStream (QUEUE_URL, default nats://127.0.0.1:4222) and Redis (REDIS_URL,
// default redis://127.0.0.1:6379); skipped with a note when NATS does not answer.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { NatsQueue } from 'rbmkit';
import { load } from './load.js';
import type { PooledPush } from './push-pool.js';
import { startServer } from './run-server.js';
import { deleteKeysUnder } from '../test/helpers/redis-keys.js';

export interface QueueBenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly connections: number;
  readonly pipelining: readonly number[];
  readonly queueUrl: string;
  readonly redisUrl: string;
}

/** One ingress row: medians over rounds. */
export interface IngressRow {
  readonly mode: 'direct' | 'queue';
  readonly pipelining: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
}

/** One drain row: events acked per second by `workers` worker processes, median over rounds. */
export interface DrainRow {
  readonly workers: number;
  readonly eventsPerSecond: number;
  /** Records in the stream when the workers were ready (median). */
  readonly backlog: number;
}

export interface QueueBenchResult {
  readonly ingress: IngressRow[];
  readonly drain: DrainRow[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Whether NATS answers at `url` within a second.
 *
 * @example
 * if (!(await natsAnswers('nats://127.0.0.1:4222'))) console.log('bench: NATS does not answer, queue rows skipped');
 */
export async function natsAnswers(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url.replace(/^nats:\/\//, ''), timeout: 1_000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** A fresh stream and Redis prefix for one measurement; `remove` deletes both. */
function scratch(options: QueueBenchOptions) {
  const id = randomUUID().slice(0, 8);
  const stream = `BENCH${id.toUpperCase()}`;
  const prefix = `rbmkit-bench-${id}`;
  return {
    env: { QUEUE_URL: options.queueUrl, QUEUE_STREAM: stream, REDIS_URL: options.redisUrl, KEY_PREFIX: prefix },
    admin: new NatsQueue({ url: options.queueUrl, stream }),
    async remove(): Promise<void> {
      await this.admin.destroy().catch(() => undefined);
      await this.admin.close();
      const redis = new Redis(options.redisUrl);
      await deleteKeysUnder(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Drives one ingress (direct or queue mode) with the pool, warm-up then measured. */
async function ingressRun(mode: 'direct' | 'queue', pool: readonly PooledPush[], pipelining: number, options: QueueBenchOptions) {
  const place = scratch(options);
  const server =
    mode === 'direct'
      ? await startServer('bench/servers/rbmkit-echo.ts', 0, { CLIENT: 'memory' })
      : await startServer('bench/servers/rbmkit-queue.ts', 0, place.env);
  try {
    const url = `http://127.0.0.1:${server.port}/webhook`;
    const cursor = { next: 0 };
    await load(url, pool, cursor, { seconds: options.warmup, connections: options.connections, pipelining });
    return await load(url, pool, cursor, { seconds: options.seconds, connections: options.connections, pipelining });
  } finally {
    await server.stop();
    if (mode === 'queue') await place.remove();
  }
}

/** Fills a fresh stream through the queue ingress, then times `workers` worker processes draining it. */
async function drainRun(workers: number, pool: readonly PooledPush[], options: QueueBenchOptions): Promise<{ eventsPerSecond: number; backlog: number }> {
  const place = scratch(options);
  try {
    const ingress = await startServer('bench/servers/rbmkit-queue.ts', 0, place.env);
    try {
      await load(`http://127.0.0.1:${ingress.port}/webhook`, pool, { next: 0 }, { seconds: options.seconds, connections: options.connections, pipelining: 10 });
    } finally {
      await ingress.stop();
    }
    const jsm = await place.admin.manager();
    const waiting = async () => (await jsm.streams.info(place.env.QUEUE_STREAM)).state.messages;
    const cores = cpus().length;
    const running = await Promise.all(Array.from({ length: workers }, (_, i) => startServer('bench/servers/rbmkit-queue.ts', i % cores, { ...place.env, ROLE: 'worker' })));
    try {
      const backlog = await waiting();
      const started = performance.now();
      let left = backlog;
      while (left > 0 && performance.now() - started < options.seconds * 1000) {
        await sleep(100);
        left = await waiting();
      }
      return { eventsPerSecond: (backlog - left) / ((performance.now() - started) / 1000), backlog };
    } finally {
      await Promise.all(running.map((worker) => worker.stop()));
    }
  } finally {
    await place.remove();
  }
}

/**
 * Measures queue mode against direct mode (ingress req/s, ack latency) and the drain rate of
 * 1 and 2 workers; undefined, with a printed note, when NATS does not answer.
 *
 * @example
 * const result = await benchQueue(pool, { rounds: 3, seconds: 10, warmup: 2, connections: 50, pipelining: [1, 10], queueUrl: 'nats://127.0.0.1:4222', redisUrl: 'redis://127.0.0.1:6379' });
 */
export async function benchQueue(pool: readonly PooledPush[], options: QueueBenchOptions): Promise<QueueBenchResult | undefined> {
  if (!(await natsAnswers(options.queueUrl))) {
    console.log(`bench: NATS does not answer at ${options.queueUrl}; queue-mode rows skipped (expected nats-server -js there, or set QUEUE_URL)`);
    return undefined;
  }
  const runs: Array<IngressRow & { round: number }> = [];
  const drains: Array<{ workers: number; eventsPerSecond: number; backlog: number }> = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const pipelining of options.pipelining) {
      const modes = round % 2 === 1 ? (['direct', 'queue'] as const) : (['queue', 'direct'] as const);
      for (const mode of modes) {
        const result = await ingressRun(mode, pool, pipelining, options);
        runs.push({ mode, pipelining, round, rps: result.rps, p50: result.p50, p99: result.p99, non2xx: result.non2xx + result.errors });
        console.log(`  round ${round} p${pipelining} echo ingress, ${mode.padEnd(6)} mode ${result.rps.toFixed(0).padStart(7)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms${result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : ''}`);
      }
    }
    for (const workers of [1, 2]) {
      const drain = await drainRun(workers, pool, options);
      drains.push({ workers, ...drain });
      console.log(`  round ${round} ${workers} worker(s) drained ${drain.eventsPerSecond.toFixed(0)} events/s from a backlog of ${drain.backlog}`);
    }
  }
  const ingress = options.pipelining.flatMap((pipelining) =>
    (['direct', 'queue'] as const).map((mode) => {
      const mine = runs.filter((r) => r.mode === mode && r.pipelining === pipelining);
      return { mode, pipelining, rps: median(mine.map((r) => r.rps)), p50: median(mine.map((r) => r.p50)), p99: median(mine.map((r) => r.p99)), non2xx: mine.reduce((sum, r) => sum + r.non2xx, 0) };
    }),
  );
  const drain = [1, 2].map((workers) => {
    const mine = drains.filter((d) => d.workers === workers);
    return { workers, eventsPerSecond: median(mine.map((d) => d.eventsPerSecond)), backlog: median(mine.map((d) => d.backlog)) };
  });
  return { ingress, drain };
}

/**
 * The queue rows as markdown tables.
 *
 * @example
 * const markdown = queueMarkdown(result); // '| echo ingress | pipelining | req/s … |'
 */
export function queueMarkdown(result: QueueBenchResult): string {
  const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 0 });
  const direct = (pipelining: number) => result.ingress.find((r) => r.mode === 'direct' && r.pipelining === pipelining)!.rps;
  return [
    '| echo ingress | pipelining | req/s (median) | ack p50 ms | ack p99 ms | x direct | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...result.ingress.map((r) => `| ${r.mode} mode | ${r.pipelining} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${(r.rps / direct(r.pipelining)).toFixed(2)} | ${r.non2xx} |`),
    '',
    '| echo workers draining a pre-filled stream | events/s (median) | backlog at start |',
    '|---|---:|---:|',
    ...result.drain.map((d) => `| ${d.workers} worker process${d.workers > 1 ? 'es' : ''} | ${fmt(d.eventsPerSecond)} | ${fmt(d.backlog)} |`),
  ].join('\n');
}
