// Queue mode in `npm run bench`: the echo agent's ingress in queue mode against direct mode
// (same pushes, same load: at full load, and at a fixed offered rate with the CPU each side
// spends per event, bench/queue-fixed-rate.ts), and how fast 1 and 2 worker processes drain a
// pre-filled stream, with their CPU per event.
// Needs NATS with JetStream (QUEUE_URL, default nats://127.0.0.1:4222) and Redis (REDIS_URL,
// default redis://127.0.0.1:6379); skipped with a note when NATS does not answer.
import { cpus } from 'node:os';
import { connect } from 'nats';
import { load } from './load.js';
import type { PooledPush } from './push-pool.js';
import { benchFixedRate, fixedRateMarkdown, type FixedRateRow, type Spread } from './queue-fixed-rate.js';
import { benchServer, queueScratch, waitingIn } from './queue-scratch.js';
import { startServer } from './run-server.js';

export interface QueueBenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly connections: number;
  readonly pipelining: readonly number[];
  readonly queueUrl: string;
  readonly redisUrl: string;
  /** Pushes per second offered in the fixed-rate rows. Default 1,000. */
  readonly fixedRate?: number;
  /** A built checkout of another commit (npm ci and npm run build done there) whose servers run instead of this one's. */
  readonly checkout?: string;
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
  /** CPU time of the workers (summed) per event drained, median over rounds. */
  readonly cpuUsPerEvent?: number;
}

/**
 * At full speed: one worker draining a backlog of N events against direct mode taking N
 * pushes (pipelining 10), both CPU per event, round by round (medians and spread).
 */
export interface FullSpeedCpu {
  readonly directCpuUsPerPush: Spread;
  readonly workerCpuUsPerEvent: Spread;
  readonly workerVsDirect: Spread;
}

export interface QueueBenchResult {
  readonly ingress: IngressRow[];
  /** At the fixed offered rate: direct mode, queue mode's ingress alone, and with a worker. */
  readonly fixed?: FixedRateRow[];
  readonly drain: DrainRow[];
  readonly fullSpeedCpu?: FullSpeedCpu;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

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

/** Drives one ingress (direct or queue mode) with the pool, warm-up then measured. */
async function ingressRun(mode: 'direct' | 'queue', pool: readonly PooledPush[], pipelining: number, options: QueueBenchOptions) {
  const place = queueScratch(options.queueUrl, options.redisUrl);
  const server =
    mode === 'direct'
      ? await startServer(benchServer('rbmkit-echo.ts', options.checkout), 0, { CLIENT: 'memory' })
      : await startServer(benchServer('rbmkit-queue.ts', options.checkout), 0, place.env);
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
async function drainRun(workers: number, pool: readonly PooledPush[], options: QueueBenchOptions): Promise<{ eventsPerSecond: number; backlog: number; cpuUsPerEvent?: number }> {
  const place = queueScratch(options.queueUrl, options.redisUrl);
  try {
    const ingress = await startServer(benchServer('rbmkit-queue.ts', options.checkout), 0, place.env);
    try {
      await load(`http://127.0.0.1:${ingress.port}/webhook`, pool, { next: 0 }, { seconds: options.seconds, connections: options.connections, pipelining: 10 });
    } finally {
      await ingress.stop();
    }
    const cores = cpus().length;
    const running = await Promise.all(
      Array.from({ length: workers }, (_, i) => startServer(benchServer('rbmkit-queue.ts', options.checkout), i % cores, { ...place.env, ROLE: 'worker' })),
    );
    try {
      // Counted from here: what the workers took while the others started is left out of both counts.
      await Promise.all(running.map((worker) => worker.startWork()));
      const backlog = await waitingIn(place);
      const started = performance.now();
      let left = backlog;
      while (left > 0 && performance.now() - started < options.seconds * 1000) {
        await sleep(100);
        left = await waitingIn(place);
      }
      const seconds = (performance.now() - started) / 1000;
      const work = await Promise.all(running.map((worker) => worker.work()));
      const cpuUs = work.reduce((sum, w) => sum + (w?.cpuUs ?? Number.NaN), 0);
      const drained = backlog - left;
      return { eventsPerSecond: drained / seconds, backlog, ...(Number.isNaN(cpuUs) || drained === 0 ? {} : { cpuUsPerEvent: cpuUs / drained }) };
    } finally {
      await Promise.all(running.map((worker) => worker.stop()));
    }
  } finally {
    await place.remove();
  }
}

/**
 * Direct mode's CPU per push at full speed: `pushes` pushes (pipelining 10) into the echo
 * agent as the worker runs it (the same plugins, logging at warn), counted after a warm-up.
 */
async function directCpuPerPush(pushes: number, pool: readonly PooledPush[], options: QueueBenchOptions): Promise<number | undefined> {
  const server = await startServer(benchServer('rbmkit-echo.ts', options.checkout), 0, { CLIENT: 'memory', LOG_LEVEL: 'warn' });
  try {
    const url = `http://127.0.0.1:${server.port}/webhook`;
    const cursor = { next: 0 };
    await load(url, pool, cursor, { seconds: options.warmup, connections: options.connections, pipelining: 10 });
    await server.startWork();
    const result = await load(url, pool, cursor, { seconds: options.seconds * 3, connections: options.connections, pipelining: 10, amount: pushes });
    const work = await server.work();
    return work === undefined ? undefined : work.cpuUs / Math.max(1, result.total);
  } finally {
    await server.stop();
  }
}

/**
 * Measures queue mode against direct mode (ingress req/s and ack latency at full load; ack
 * latency and CPU per event at a fixed offered rate; CPU per event at full speed) and the
 * drain rate of 1 and 2 workers; undefined, with a printed note, when NATS does not answer.
 *
 * @example
 * const result = await benchQueue(pool, { rounds: 3, seconds: 10, warmup: 2, connections: 50, pipelining: [1, 10], queueUrl: 'nats://127.0.0.1:4222', redisUrl: 'redis://127.0.0.1:6379' });
 */
export async function benchQueue(pool: readonly PooledPush[], options: QueueBenchOptions): Promise<QueueBenchResult | undefined> {
  if (!(await natsAnswers(options.queueUrl))) {
    console.log(`bench: NATS does not answer at ${options.queueUrl}; queue-mode rows skipped (expected nats-server -js there, or set QUEUE_URL)`);
    return undefined;
  }
  const fixed = await benchFixedRate(pool, options);
  const runs: Array<IngressRow & { round: number }> = [];
  const drains: Array<{ workers: number; eventsPerSecond: number; backlog: number; cpuUsPerEvent?: number }> = [];
  const fullSpeed: Array<{ direct: number; worker: number }> = [];
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
      console.log(`  round ${round} ${workers} worker(s) drained ${drain.eventsPerSecond.toFixed(0)} events/s from a backlog of ${drain.backlog}, CPU ${drain.cpuUsPerEvent?.toFixed(0) ?? '-'} us/event`);
      if (workers !== 1 || drain.cpuUsPerEvent === undefined || drain.backlog === 0) continue;
      // The same number of events through direct mode, at full speed too.
      const direct = await directCpuPerPush(drain.backlog, pool, options);
      if (direct === undefined) continue;
      fullSpeed.push({ direct, worker: drain.cpuUsPerEvent });
      console.log(`  round ${round} direct mode took ${drain.backlog} pushes at full speed: CPU ${direct.toFixed(0)} us/push; the worker ${(drain.cpuUsPerEvent / direct).toFixed(2)}x that`);
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
    const cpu = mine.flatMap((d) => (d.cpuUsPerEvent === undefined ? [] : [d.cpuUsPerEvent]));
    return { workers, eventsPerSecond: median(mine.map((d) => d.eventsPerSecond)), backlog: median(mine.map((d) => d.backlog)), ...(cpu.length === 0 ? {} : { cpuUsPerEvent: median(cpu) }) };
  });
  const fullSpeedCpu =
    fullSpeed.length === 0
      ? undefined
      : {
          directCpuUsPerPush: spread(fullSpeed.map((f) => f.direct)),
          workerCpuUsPerEvent: spread(fullSpeed.map((f) => f.worker)),
          workerVsDirect: spread(fullSpeed.map((f) => f.worker / f.direct)),
        };
  return { ingress, fixed, drain, ...(fullSpeedCpu === undefined ? {} : { fullSpeedCpu }) };
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
    ...(result.fixed === undefined || result.fixed.length === 0 ? [] : [fixedRateMarkdown(result.fixed), '']),
    '| echo workers draining a pre-filled stream | events/s (median) | backlog at start | worker CPU us/event |',
    '|---|---:|---:|---:|',
    ...result.drain.map((d) => `| ${d.workers} worker process${d.workers > 1 ? 'es' : ''} | ${fmt(d.eventsPerSecond)} | ${fmt(d.backlog)} | ${d.cpuUsPerEvent === undefined ? '-' : fmt(d.cpuUsPerEvent)} |`),
    ...(result.fullSpeedCpu === undefined ? [] : ['', fullSpeedMarkdown(result.fullSpeedCpu)]),
  ].join('\n');
}

/** The full-speed CPU comparison as a one-row table. */
function fullSpeedMarkdown(cpu: FullSpeedCpu): string {
  const range = (s: Spread, digits: number) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
  return [
    '| CPU at full speed, the same number of events | direct mode us/push | 1 worker draining us/event | worker / direct |',
    '|---|---:|---:|---:|',
    `| direct: HTTP, verify, plugins, in-memory dedupe (p10); worker: broker fetch and ack, Redis dedupe, plugins | ${range(cpu.directCpuUsPerPush, 0)} | ${range(cpu.workerCpuUsPerEvent, 0)} | ${range(cpu.workerVsDirect, 2)} |`,
  ].join('\n');
}
