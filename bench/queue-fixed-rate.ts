// Queue mode at a fixed offered rate (default 1,000 pushes/s, a paced sender): the echo
// agent's ack latency in direct mode, in queue mode with the ingress alone, and in queue mode
// with one worker draining as it goes; and the CPU time each process spends per push or event,
// so the worker's cost per event stands beside direct mode's cost per push, round by round.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pacedLoad } from './paced-load.js';
import type { PooledPush } from './push-pool.js';
import { benchServer, queueScratch, streamEmptied } from './queue-scratch.js';
import { startServer, type ServerProcess } from './run-server.js';
import type { WorkStats } from './servers/verify.js';

/** What the fixed-rate rows need: the shared queue bench options. */
export interface FixedRateOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly queueUrl: string;
  readonly redisUrl: string;
  /** Pushes offered per second. Default 1,000. */
  readonly fixedRate?: number;
  /** A built checkout of another commit whose servers run instead of this one's. */
  readonly checkout?: string;
}

/**
 * What runs: direct mode (the echo agent answering after its plugins, the in-memory dedupe
 * store), direct mode with the Redis dedupe store the workers use, queue mode's ingress alone
 * (publishing; the stream fills), or queue mode's ingress with one worker consuming as the
 * pushes arrive (on the load generator's core).
 */
export type FixedRateCase = 'direct' | 'direct+redis' | 'queue' | 'queue+worker';
const CASES: readonly FixedRateCase[] = ['direct', 'direct+redis', 'queue', 'queue+worker'];
const LABELS: Record<FixedRateCase, string> = {
  direct: 'direct mode',
  'direct+redis': 'direct mode, Redis dedupe',
  queue: 'queue mode, ingress alone',
  'queue+worker': 'queue mode, ingress + 1 worker',
};

/** A median over rounds, with the smallest and largest round: how far rounds spread. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * One case at the fixed rate, over rounds. `cpuUsPerPush` is the process answering the
 * webhook (direct: HTTP, verify, the plugins with the in-memory dedupe store; queue: HTTP,
 * verify, the publish and its confirmation); `workerCpuUsPerEvent` the worker (broker fetch and
 * ack, the Redis dedupe store, the plugins), `workerVsDirect` that over direct mode's CPU per
 * push of the same round, and `workerVsDirectRedis` over direct mode's with the Redis dedupe
 * store too.
 */
export interface FixedRateRow {
  readonly case: FixedRateCase;
  readonly rate: number;
  readonly rounds: number;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly cpuUsPerPush: Spread;
  readonly workerCpuUsPerEvent?: Spread;
  readonly workerVsDirect?: Spread;
  readonly workerVsDirectRedis?: Spread;
  /** The kernel's share of the server's CPU time, and of the worker's (median over rounds): syscalls, loopback TCP included. */
  readonly serverKernelShare?: number;
  readonly workerKernelShare?: number;
  readonly non2xx: number;
  /** The sender's worst lag behind its schedule (ms), over rounds: past a few ms, it was starved too. */
  readonly maxLagMs: number;
  /** The machine's 1-minute load average at the end of each round: how busy it was. */
  readonly load: Spread;
}

interface FixedRun {
  readonly case: FixedRateCase;
  readonly round: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerPush: number;
  readonly workerCpuUsPerEvent?: number;
  readonly serverKernelShare?: number;
  readonly workerKernelShare?: number;
  readonly non2xx: number;
  readonly maxLagMs: number;
  readonly load: number;
}

/** The kernel's share of a process's CPU time, when it told (servers of older checkouts do not). */
const kernelShare = (work: Pick<WorkStats, 'cpuUs' | 'systemUs'> | undefined) => (work?.systemUs === undefined || work.cpuUs === 0 ? undefined : work.systemUs / work.cpuUs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
/** Direct mode's server as the queue worker runs the agent: the same plugins, logging at warn. */
const DIRECT_ENV = { CLIENT: 'memory', LOG_LEVEL: 'warn' };
/** Open loop: enough connections that requests never wait for one at this rate. */
const CONNECTIONS = 64;
const DRAIN_MS = 30_000;

/**
 * Offers the fixed rate to one case: warm-up, then counted. A worker's CPU is counted from a
 * drained stream to a drained stream, so it covers exactly the measured pushes.
 */
async function fixedRun(which: FixedRateCase, round: number, pool: readonly PooledPush[], options: FixedRateOptions): Promise<FixedRun> {
  const paced = { rate: options.fixedRate ?? 1_000, connections: CONNECTIONS };
  const place = which === 'direct' ? undefined : queueScratch(options.queueUrl, options.redisUrl);
  const env = place === undefined ? DIRECT_ENV : which === 'direct+redis' ? { ...place.env, ROLE: 'direct' } : place.env;
  const running: ServerProcess[] = [];
  const drained = async (what: string) => {
    if (which === 'queue+worker' && !(await streamEmptied(place!, DRAIN_MS))) {
      throw new Error(`the worker did not drain the ${what} pushes within ${DRAIN_MS / 1000} s; expected it to keep up with ${paced.rate} pushes/s`);
    }
  };
  try {
    const ingress = await startServer(benchServer(which === 'direct' ? 'rbmkit-echo.ts' : 'rbmkit-queue.ts', options.checkout), 0, env);
    running.push(ingress);
    if (which === 'queue+worker') running.push(await startServer(benchServer('rbmkit-queue.ts', options.checkout), 1, { ...place!.env, ROLE: 'worker' }));
    const url = `http://127.0.0.1:${ingress.port}/webhook`;
    const cursor = { next: 0 };
    await pacedLoad(url, pool, cursor, { ...paced, seconds: options.warmup });
    await drained('warm-up');
    alive(running);
    await Promise.all(running.map((server) => server.startWork()));
    const result = await pacedLoad(url, pool, cursor, { ...paced, seconds: options.seconds });
    await drained('measured');
    alive(running);
    const [ingressWork, workerWork] = await Promise.all(running.map((server) => server.work()));
    const pushes = Math.max(result.ok, 1);
    return {
      case: which,
      round,
      p50: result.p50,
      p99: result.p99,
      cpuUsPerPush: (ingressWork?.cpuUs ?? Number.NaN) / pushes,
      ...(which === 'queue+worker' ? { workerCpuUsPerEvent: (workerWork?.cpuUs ?? Number.NaN) / pushes, workerKernelShare: kernelShare(workerWork) } : {}),
      serverKernelShare: kernelShare(ingressWork),
      non2xx: result.non2xx + result.errors,
      maxLagMs: result.maxLagMs,
      load: loadavg()[0]!,
    };
  } finally {
    await Promise.all(running.map((server) => server.stop()));
    await place?.remove();
  }
}

/** Throws when a server is gone (asking it over IPC would crash the bench): the run is then tried again. */
function alive(servers: readonly ServerProcess[]): void {
  for (const { child } of servers) {
    if (!child.connected) throw new Error(`a bench server exited mid-run (code ${child.exitCode}, signal ${child.signalCode}); expected it to run to the end`);
  }
}

/** The rounds of each case summed up: medians and spread; the worker against direct mode round by round. */
function fixedRows(runs: readonly FixedRun[], rate: number): FixedRateRow[] {
  return CASES.flatMap((which) => {
    const mine = runs.filter((r) => r.case === which);
    if (mine.length === 0) return [];
    const worker = mine.flatMap((r) => (r.workerCpuUsPerEvent === undefined ? [] : [r.workerCpuUsPerEvent]));
    const shares = (of: (r: FixedRun) => number | undefined) => {
      const known = mine.flatMap((r) => (of(r) === undefined ? [] : [of(r)!]));
      return known.length === 0 ? undefined : median(known);
    };
    const serverKernelShare = shares((r) => r.serverKernelShare);
    const workerKernelShare = shares((r) => r.workerKernelShare);
    const against = (base: FixedRateCase) =>
      mine.flatMap((r) => {
        const direct = runs.find((d) => d.case === base && d.round === r.round);
        return r.workerCpuUsPerEvent === undefined || direct === undefined ? [] : [r.workerCpuUsPerEvent / direct.cpuUsPerPush];
      });
    const ratios = against('direct');
    const ratiosRedis = against('direct+redis');
    return {
      case: which,
      rate,
      rounds: mine.length,
      p50: spread(mine.map((r) => r.p50)),
      p99: spread(mine.map((r) => r.p99)),
      cpuUsPerPush: spread(mine.map((r) => r.cpuUsPerPush)),
      ...(worker.length === 0 ? {} : { workerCpuUsPerEvent: spread(worker) }),
      ...(ratios.length === 0 ? {} : { workerVsDirect: spread(ratios) }),
      ...(ratiosRedis.length === 0 ? {} : { workerVsDirectRedis: spread(ratiosRedis) }),
      ...(serverKernelShare === undefined ? {} : { serverKernelShare }),
      ...(workerKernelShare === undefined ? {} : { workerKernelShare }),
      non2xx: mine.reduce((sum, r) => sum + r.non2xx, 0),
      maxLagMs: Math.max(...mine.map((r) => r.maxLagMs)),
      load: spread(mine.map((r) => r.load)),
    };
  });
}

/**
 * Runs every case at the fixed rate (`fixedRate`, default 1,000 pushes/s), `rounds` times, the
 * order of the cases reversed each round; prints each run. Needs NATS and Redis.
 *
 * @example
 * const rows = await benchFixedRate(pool, { rounds: 3, seconds: 10, warmup: 2, queueUrl: 'nats://127.0.0.1:4222', redisUrl: 'redis://127.0.0.1:6379' });
 */
export async function benchFixedRate(pool: readonly PooledPush[], options: FixedRateOptions): Promise<FixedRateRow[]> {
  const rate = options.fixedRate ?? 1_000;
  const runs: FixedRun[] = [];
  // A checkout from before ROLE=direct would run an ingress under that name.
  const cases = CASES.filter((which) => which !== 'direct+redis' || readFileSync(benchServer('rbmkit-queue.ts', options.checkout), 'utf8').includes('ROLE=direct'));
  for (let round = 1; round <= options.rounds; round += 1) {
    const order = round % 2 === 1 ? cases : [...cases].reverse();
    for (const which of order) {
      // One more try when a server died under it: a round then still has every case.
      const run = await fixedRun(which, round, pool, options).catch((error: unknown) => {
        console.log(`  round ${round} ${LABELS[which]}: ${(error as Error).message}; running it again`);
        return fixedRun(which, round, pool, options);
      });
      runs.push(run);
      console.log(
        `  round ${round} fixed ${rate}/s echo, ${LABELS[which].padEnd(31)} p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2)} ms  CPU ${run.cpuUsPerPush.toFixed(0)} us/push` +
          `${run.workerCpuUsPerEvent === undefined ? '' : `  worker CPU ${run.workerCpuUsPerEvent.toFixed(0)} us/event`}` +
          `${run.serverKernelShare === undefined ? '' : `  kernel ${(100 * run.serverKernelShare).toFixed(0)}%${run.workerKernelShare === undefined ? '' : ` / ${(100 * run.workerKernelShare).toFixed(0)}%`}`}  sender lag <= ${run.maxLagMs.toFixed(1)} ms  load ${run.load.toFixed(1)}` +
          `${run.non2xx > 0 ? `  (${run.non2xx} non-2xx or errors)` : ''}`,
      );
    }
  }
  return fixedRows(runs, rate);
}

/**
 * The fixed-rate rows as a markdown table, with a line saying what each column counts.
 *
 * @example
 * const markdown = fixedRateMarkdown(rows); // '| echo at a fixed rate | pushes/s | ack p50 ms … |'
 */
export function fixedRateMarkdown(rows: readonly FixedRateRow[]): string {
  if (rows.length === 0) return '';
  const range = (s: Spread | undefined, digits: number) => (s === undefined ? '-' : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`);
  return [
    `Fixed offered rate, open loop (a paced sender, ${CONNECTIONS} connections): median of ${rows[0]!.rounds} rounds, the order reversed each round, (min-max) over rounds. ` +
      'Server CPU: the process answering the webhook (direct: HTTP, verify, the plugins with the in-memory dedupe store; queue: HTTP, verify, the publish). ' +
      'Worker CPU: the broker fetch and ack, the Redis dedupe store, the plugins; worker / direct is per round, against direct mode with the in-memory dedupe store, ' +
      'and (Redis) with the same Redis dedupe store as the worker. Kernel: the share of that CPU time spent in syscalls ' +
      '(server / worker; on loopback a socket write also runs the receiving side of TCP). Load: the 1-minute load average as each round ended.',
    '',
    '| echo at a fixed rate | pushes/s | ack p50 ms | ack p99 ms | server CPU us/push | worker CPU us/event | worker / direct CPU | worker / direct (Redis) | kernel % | non-2xx | sender lag ms | load |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${LABELS[r.case]} | ${r.rate.toLocaleString('en')} | ${range(r.p50, 2)} | ${range(r.p99, 1)} | ${range(r.cpuUsPerPush, 0)} | ${range(r.workerCpuUsPerEvent, 0)} | ` +
        `${range(r.workerVsDirect, 2)} | ${range(r.workerVsDirectRedis, 2)} | ${[r.serverKernelShare, r.workerKernelShare].flatMap((x) => (x === undefined ? [] : [(100 * x).toFixed(0)])).join(' / ') || '-'} | ` +
        `${r.non2xx} | ${r.maxLagMs.toFixed(1)} | ${range(r.load, 1)} |`,
    ),
  ].join('\n');
}
