// npm run bench: rbmkit against its floors (hand-written node:http agents doing the same work)
// and its peers, side by side in one run, then micro benchmarks and a CPU profile. Writes a
// table to the terminal and JSON + markdown under bench/results/. Options: --rounds 3
// --seconds 10 --warmup 2 --pipelining 1,10 --no-profile --no-micro; --servers id,id (ids
// below) measures only those; --memory measures instead the RSS of each server after
// --memory-pushes (200,000) distinct pushes (bounded by --memory-seconds per server) too,
// --only-memory that alone. `npm run bench:plot` draws bench/results/latest.json as a PNG.
// Queue mode rows (bench/queue-bench.ts) when NATS answers at QUEUE_URL: --no-queue skips them,
// --only-queue measures them alone (results in bench/results/queue-latest.*).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { load, type LoadResult } from './load.js';
import { runMicro } from './micro.js';
import { summarizeProfile } from './profile-summary.js';
import { signPool } from './push-pool.js';
import { benchQueue, queueMarkdown, type QueueBenchResult } from './queue-bench.js';
import { startCommand } from './command-server.js';
import { HAS_TASKSET, startServer, type ServerProcess } from './run-server.js';
import { TOKEN } from './servers/verify.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1500' },
    'max-seconds': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    pipelining: { type: 'string', default: '1,10' },
    pool: { type: 'string', default: '400000' },
    'no-profile': { type: 'boolean', default: false },
    'no-micro': { type: 'boolean', default: false },
    'no-queue': { type: 'boolean', default: false },
    'only-queue': { type: 'boolean', default: false },
    servers: { type: 'string' },
    memory: { type: 'boolean', default: false },
    'memory-pushes': { type: 'string', default: '200000' },
    'memory-seconds': { type: 'string', default: '240' },
    'only-memory': { type: 'boolean', default: false },
    compare: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
// CPU per push is measured at one fixed offered load for every server (RATE pushes a second for
// SECONDS): at saturation a slower server also batches less (fewer requests per wake-up), which
// would count against it twice. req/s comes from a second phase, as fast as answered.
const RATE = Number(values.rate);
const MAX_SECONDS = Number(values['max-seconds']);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const PIPELINING = values.pipelining!.split(',').map(Number);
const RESULTS = 'bench/results';

interface Server {
  /** Short name for --servers. */
  readonly id: string;
  readonly name: string;
  readonly file: string;
  /** Started by this command instead of from `file` (its log says where it listens); measured from /proc. */
  readonly command?: readonly string[];
  readonly env?: Record<string, string>;
  readonly fakeApi?: boolean;
  /** The id of the hand-written server doing the same work: this one's floor. */
  readonly floor?: string;
  /** The id of the floor's work done on Koa + @koa/router + koa-bodyparser, the stack rbmkit must use. */
  readonly stackFloor?: string;
}
const ALL_SERVERS: Server[] = [
  { id: 'node', name: 'node:http (verify only)', file: 'bench/servers/bare-node.ts' },
  { id: 'koa', name: 'Koa + router + bodyparser (verify only)', file: 'bench/servers/koa-baseline.ts' },
  { id: 'express', name: 'Express sample style (verify only, ===)', file: 'bench/servers/express-sample.ts' },
  { id: 'floor-echo', name: 'floor: node:http echo (verify, dedupe, READ + reply over HTTP, log)', file: 'bench/servers/floor-agent.ts', env: { MODE: 'echo' }, fakeApi: true },
  { id: 'floor-koa-echo', name: 'floor on Koa + router + bodyparser: echo', file: 'bench/servers/floor-agent.ts', env: { MODE: 'echo', STACK: 'koa' }, fakeApi: true },
  { id: 'echo', name: 'rbmkit echo, HTTP client to fake API', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'http' }, fakeApi: true, floor: 'floor-echo', stackFloor: 'floor-koa-echo' },
  { id: 'floor-none', name: 'floor: node:http, no plugins (verify, dedupe)', file: 'bench/servers/floor-agent.ts', env: { MODE: 'none' } },
  { id: 'floor-koa-none', name: 'floor on Koa + router + bodyparser: no plugins', file: 'bench/servers/floor-agent.ts', env: { MODE: 'none', STACK: 'koa' } },
  { id: 'none', name: 'rbmkit, no plugins (verify, dedupe, dispatch)', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory', PLUGINS: 'none' }, floor: 'floor-none', stackFloor: 'floor-koa-none' },
  { id: 'echo-memory', name: 'rbmkit echo, in-memory client', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory' } },
  // The echo agent exactly as the README starts it: npm, tsx and the TypeScript source.
  {
    id: 'npm-echo',
    name: 'the echo agent as `npm run echo` starts it',
    file: 'examples/echo-agent/index.ts',
    command: ['npm', 'run', 'echo'],
    env: { PORT: '0', HOST: '127.0.0.1', RBM_CLIENT_TOKEN: TOKEN },
    fakeApi: true,
    floor: 'floor-echo',
  },
];
if (values.help) {
  console.log(`npm run bench -- [--rounds 3] [--seconds 10] [--warmup 2] [--connections 50] [--pipelining 1,10] [--pool 400000]
  [--servers ${ALL_SERVERS.map((s) => s.id).join(',')}] [--no-profile] [--no-micro] [--no-queue] [--only-queue]
  [--memory | --only-memory [--memory-pushes 200000] [--memory-seconds 240]] [--compare DIR (a built checkout of another commit)]`);
  process.exit(0);
}
const wanted = values.servers?.split(',').map((id) => id.trim());
for (const id of wanted ?? []) if (!ALL_SERVERS.some((s) => s.id === id)) throw new Error(`--servers: unknown server "${id}"; expected some of ${ALL_SERVERS.map((s) => s.id).join(', ')}`);
const chosen = wanted === undefined ? ALL_SERVERS : ALL_SERVERS.filter((s) => wanted.includes(s.id));
// --compare DIR: a built checkout of another commit (npm ci and npm run build done there);
// each rbmkit row gets a twin running DIR's code, in the same alternating rounds: a change's
// effect, side by side.
const compareDir = values.compare === undefined ? undefined : resolve(values.compare);
const SERVERS: Server[] =
  compareDir === undefined
    ? chosen
    : chosen.flatMap((s) =>
        s.file.includes('rbmkit-') ? [{ ...s, id: `${s.id}@compare`, name: `${s.name} [${basename(compareDir)}]`, file: join(compareDir, s.file) }, s] : [s],
      );
ALL_SERVERS.push(...SERVERS.filter((s) => !ALL_SERVERS.includes(s)));
const byId = (id: string) => ALL_SERVERS.find((s) => s.id === id)!;

if (HAS_TASKSET && cpus().length > 1) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const started = Date.now();
// The servers run the built package (dist/), as production does.
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
console.log(
  `bench: ${ROUNDS} rounds x ${SERVERS.length} servers x pipelining ${PIPELINING.join(' and ')}; ${WARMUP}s warm-up, ${RATE > 0 ? `${(RATE * SECONDS).toLocaleString('en')} pushes at ${RATE}/s (CPU, latency), then ${MAX_SECONDS}s as fast as answered (req/s)` : `${SECONDS}s measured`}, ${CONNECTIONS} connections`,
);
console.log(HAS_TASKSET ? 'bench: servers pinned to core 0, load generator (and the fake API) to core 1' : 'bench: taskset not found, nothing pinned');
const pool = signPool(Number(values.pool));
console.log(`bench: ${pool.length.toLocaleString('en')} distinct pushes signed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
const queueOptions = {
  rounds: ROUNDS,
  seconds: SECONDS,
  warmup: WARMUP,
  connections: CONNECTIONS,
  pipelining: PIPELINING,
  queueUrl: process.env.QUEUE_URL || 'nats://127.0.0.1:4222',
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
};
if (values['only-queue']) {
  console.log('bench: queue mode only');
  const result = await benchQueue(pool, queueOptions);
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`;
  const markdown = `# rbmkit benchmark, queue mode\n\n${new Date().toISOString()}, ${machine}. ${ROUNDS} rounds; ${WARMUP}s warm-up then ${SECONDS}s measured each, autocannon ${CONNECTIONS} connections.\n\n${result === undefined ? 'Skipped: NATS did not answer.' : queueMarkdown(result)}\n`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'queue-latest.json'), JSON.stringify({ machine, options: queueOptions, result }, null, 2));
  writeFileSync(join(RESULTS, 'queue-latest.md'), markdown);
  console.log(`\n${markdown}`);
  process.exit(0);
}

interface Run extends LoadResult {
  readonly server: string;
  readonly pipelining: number;
  readonly round: number;
  readonly rssMb: number;
  /** RSS once listening, before the first push. */
  readonly idleRssMb: number;
  /** The fixed load CPU time, allocations, p50 and p99 were measured at (pushes/s); undefined: as fast as answered. */
  readonly offered: number | undefined;
  /** p99 as fast as answered (where `rps` comes from). */
  readonly maxP99: number;
  readonly wrapped: boolean;
  /** Per answered push, over the measured seconds: server CPU time (us), JS heap bytes allocated, scavenges. */
  readonly cpuUsPerPush?: number;
  readonly allocatedKbPerPush?: number;
  readonly scavengesPer1000?: number;
}
const runs: Run[] = [];

/** Starts `server` on core 0 (its fake RBM API, if it calls one, on core 1). */
async function start(server: Server, nodeFlags: string[] = []): Promise<{ process_: ServerProcess; api: ServerProcess | undefined }> {
  const api = server.fakeApi === true ? await startServer('bench/servers/fake-api.ts', 1) : undefined;
  const env = { ...server.env, ...(api === undefined ? {} : { RBM_API_URL: `http://127.0.0.1:${api.port}` }) };
  const process_ = server.command === undefined ? await startServer(server.file, 0, env, nodeFlags) : await startCommand(server.command, 0, env);
  return { process_, api };
}

async function measure(server: Server, pipelining: number, round: number, nodeFlags: string[] = []): Promise<Run> {
  const { process_, api } = await start(server, nodeFlags);
  try {
    // A moment to settle after start-up (timers, lazily loaded modules), then RSS before any push.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idleRssMb = (await process_.rss()) / 1024 / 1024;
    const url = `http://127.0.0.1:${process_.port}/webhook`;
    const cursor = { next: 0 };
    await load(url, pool, cursor, { seconds: WARMUP, connections: CONNECTIONS, pipelining });
    await process_.startWork();
    const fixed = RATE > 0;
    const result = await load(url, pool, cursor, { seconds: SECONDS + 2, connections: CONNECTIONS, pipelining, ...(fixed ? { rate: RATE, amount: RATE * SECONDS } : {}) });
    const work = await process_.work();
    // Then as fast as it answers: its most req/s.
    const fastest = fixed ? await load(url, pool, cursor, { seconds: MAX_SECONDS, connections: CONNECTIONS, pipelining }) : result;
    const rssMb = (await process_.rss()) / 1024 / 1024;
    // CPU time and allocations per push hold up under a busy machine far better than req/s.
    const pushes = Math.max(result.total, 1);
    const perPush =
      work === undefined
        ? {}
        : {
            cpuUsPerPush: work.cpuUs / pushes,
            ...(work.allocatedBytes === undefined ? {} : { allocatedKbPerPush: work.allocatedBytes / 1024 / pushes }),
            ...(work.scavenges === undefined ? {} : { scavengesPer1000: (1000 * work.scavenges) / pushes }),
          };
    return {
      ...result,
      rps: fastest.rps,
      maxP99: fastest.p99,
      offered: fixed ? RATE : undefined,
      ...perPush,
      server: server.name,
      pipelining,
      round,
      rssMb,
      idleRssMb,
      wrapped: cursor.next > pool.length,
    };
  } finally {
    await process_.stop();
    await api?.stop();
  }
}


/** RSS after `--memory-pushes` distinct pushes, per server: what its caches keep. */
interface MemoryRun {
  readonly server: string;
  readonly pushes: number;
  readonly seconds: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** Heap used after a full collection: what the server keeps, garbage aside. */
  readonly retainedMb?: number;
  readonly non2xx: number;
  readonly errors: number;
}
const memoryRuns: MemoryRun[] = [];
const MEMORY_PUSHES = Number(values['memory-pushes']);
if ((values.memory || values['only-memory']) && MEMORY_PUSHES > pool.length) throw new Error(`--memory-pushes ${MEMORY_PUSHES}: expected at most --pool (${pool.length}) distinct pushes`);

async function measureMemory(server: Server): Promise<MemoryRun> {
  const { process_, api } = await start(server);
  try {
    const url = `http://127.0.0.1:${process_.port}/webhook`;
    const begun = Date.now();
    const result = await load(url, pool, { next: 0 }, { seconds: Number(values['memory-seconds']), connections: CONNECTIONS, pipelining: 1, amount: MEMORY_PUSHES });
    const seconds = (Date.now() - begun) / 1000;
    // A second for timers and sockets to settle; no forced GC: RSS as an operator sees it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const memory = await process_.memory();
    const retained = await process_.retained();
    return {
      server: server.name,
      pushes: result.total,
      seconds,
      rssMb: memory.rss / 1024 / 1024,
      heapUsedMb: memory.heapUsed / 1024 / 1024,
      ...(retained === undefined ? {} : { retainedMb: retained / 1024 / 1024 }),
      non2xx: result.non2xx,
      errors: result.errors,
    };
  } finally {
    await process_.stop();
    await api?.stop();
  }
}

if (!values['only-memory']) {
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const pipelining of PIPELINING) {
      // Alternate the order each round, so no server always runs first or last.
      const order = round % 2 === 1 ? SERVERS : [...SERVERS].reverse();
      for (const server of order) {
        const run = await measure(server, pipelining, round);
        runs.push(run);
        console.log(
          `  round ${round} p${pipelining} ${server.name.padEnd(42)} ${run.rps.toFixed(0).padStart(7)} req/s (p99 ${run.maxP99} ms)  p50 ${run.p50} ms  p99 ${run.p99} ms${run.offered === undefined ? '' : ` at ${run.offered}/s`}  RSS ${run.rssMb.toFixed(0)} MB` +
            `  CPU ${run.cpuUsPerPush?.toFixed(0) ?? '-'} us/push  alloc ${run.allocatedKbPerPush?.toFixed(1) ?? '-'} KB/push  ${run.scavengesPer1000?.toFixed(1) ?? '-'} scavenges/1000` +
            `${run.non2xx + run.errors > 0 ? `  (${run.non2xx} non-2xx, ${run.errors} errors)` : ''}${run.wrapped ? '  (pool wrapped)' : ''}`,
        );
      }
    }
  }
}

if (values.memory || values['only-memory']) {
  // Servers with a floor, and their floors, in that order.
  const measured = SERVERS.filter((s) => s.floor !== undefined || SERVERS.some((t) => t.floor === s.id));
  console.log(`bench: RSS after ${MEMORY_PUSHES.toLocaleString('en')} distinct pushes (p1, ${CONNECTIONS} connections, at most ${values['memory-seconds']}s each)`);
  for (const server of measured) {
    const run = await measureMemory(server);
    memoryRuns.push(run);
    console.log(
      `  ${server.name.padEnd(42)} ${run.pushes.toLocaleString('en')} pushes in ${run.seconds.toFixed(0)}s  RSS ${run.rssMb.toFixed(0)} MB  heap used ${run.heapUsedMb.toFixed(0)} MB, ${run.retainedMb?.toFixed(0) ?? '-'} MB after a full GC` +
        `${run.non2xx + run.errors > 0 ? `  (${run.non2xx} non-2xx, ${run.errors} errors)` : ''}`,
    );
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const opt = (n: number | undefined, digits = 2) => (n === undefined ? '-' : fmt(n, digits));
const range = (r: readonly [number, number] | undefined, digits = 0) => (r === undefined ? '' : ` (${fmt(r[0], digits)}-${fmt(r[1], digits)})`);
interface Row {
  readonly id: string;
  readonly server: string;
  readonly pipelining: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMb: number;
  readonly idleRssMb: number;
  readonly cpuUsPerPush?: number;
  /** The lowest and highest CPU time per push over the rounds. */
  readonly cpuSpread?: readonly [number, number];
  readonly allocatedKbPerPush?: number;
  /** CPU time per push over the floor's, per round: the median, and the lowest and highest. */
  readonly cpuVsFloor?: number;
  readonly cpuVsFloorSpread?: readonly [number, number];
  /** CPU time per push over the same work's on Koa + router + bodyparser, per round: the median, and the lowest and highest. */
  readonly cpuVsStackFloor?: number;
  readonly cpuVsStackFloorSpread?: readonly [number, number];
  /** Medians of per-round ratios; undefined when that server did not run. */
  readonly vsFloor?: number;
  readonly p99VsFloor?: number;
  readonly vsNode?: number;
  readonly vsKoa?: number;
}
const measuredNames = new Set(runs.map((r) => r.server));
/** A ratio per round (servers of one round ran side by side). */
const ratios = (server: string, baseline: string | undefined, pipelining: number, of: (r: Run) => number | undefined = (r) => r.rps): number[] | undefined => {
  if (baseline === undefined || !measuredNames.has(baseline) || !measuredNames.has(server)) return undefined;
  const rounds = [...new Set(runs.map((r) => r.round))];
  const each = rounds.map((round) => {
    const find = (name: string) => runs.find((r) => r.server === name && r.round === round && r.pipelining === pipelining)!;
    const [mine, theirs] = [of(find(server)), of(find(baseline))];
    return mine === undefined || theirs === undefined ? undefined : mine / Math.max(theirs, 1e-9);
  });
  return each.every((r) => r !== undefined) ? (each as number[]) : undefined;
};
/** The median of the per-round ratios. */
const ratio = (server: string, baseline: string | undefined, pipelining: number, of?: (r: Run) => number | undefined) => {
  const each = ratios(server, baseline, pipelining, of);
  return each === undefined ? undefined : median(each);
};
const spread = (xs: readonly number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
const cpuAgainst = (server: string, floor: string | undefined, pipelining: number) => {
  const each = ratios(server, floor, pipelining, (r) => r.cpuUsPerPush);
  return each === undefined ? {} : { cpuVsFloor: median(each), cpuVsFloorSpread: spread(each) };
};
const stackAgainst = (server: Server, pipelining: number) => {
  const each = server.stackFloor === undefined ? undefined : ratios(server.name, byId(server.stackFloor).name, pipelining, (r) => r.cpuUsPerPush);
  return each === undefined ? {} : { cpuVsStackFloor: median(each), cpuVsStackFloorSpread: spread(each) };
};
const rows: Row[] = runs.length === 0 ? [] : PIPELINING.flatMap((pipelining) =>
  SERVERS.map((server) => {
    const mine = runs.filter((r) => r.server === server.name && r.pipelining === pipelining);
    const floor = server.floor === undefined ? undefined : byId(server.floor).name;
    return {
      id: server.id,
      server: server.name,
      pipelining,
      rps: median(mine.map((r) => r.rps)),
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      rssMb: median(mine.map((r) => r.rssMb)),
      idleRssMb: median(mine.map((r) => r.idleRssMb)),
      ...(mine.every((r) => r.cpuUsPerPush !== undefined) ? { cpuUsPerPush: median(mine.map((r) => r.cpuUsPerPush!)), cpuSpread: spread(mine.map((r) => r.cpuUsPerPush!)) } : {}),
      ...(mine.every((r) => r.allocatedKbPerPush !== undefined) ? { allocatedKbPerPush: median(mine.map((r) => r.allocatedKbPerPush!)) } : {}),
      ...cpuAgainst(server.name, floor, pipelining),
      ...stackAgainst(server, pipelining),
      vsFloor: ratio(server.name, floor, pipelining),
      // p99 of 0-1 ms rounds to a floor of 1 ms, so a ratio never divides by 0.
      p99VsFloor: ratio(server.name, floor, pipelining, (r) => Math.max(r.p99, 1)),
      vsNode: ratio(server.name, byId('node').name, pipelining),
      vsKoa: ratio(server.name, byId('koa').name, pipelining),
    };
  }),
);

interface Target {
  readonly target: string;
  readonly value: number | undefined;
  readonly unit: string;
  /** The lowest and highest over the rounds, where there were rounds. */
  readonly range?: string;
  readonly met: boolean | undefined;
}
const targets: Target[] = [];
// The targets: CPU time per push against the floor's (the primary figure; req/s and p99 are
// secondary), RSS after many pushes against the floor's, and RSS at rest.
const CPU_TARGETS = [
  ['none', 'rbmkit no plugins', 1.2],
  ['echo', 'rbmkit echo', 1.1],
] as const;
for (const pipelining of PIPELINING) {
  const row = (id: string) => rows.find((r) => r.id === id && r.pipelining === pipelining);
  for (const [id, label, limit] of CPU_TARGETS) {
    const mine = row(id);
    if (mine?.cpuVsFloor === undefined) continue;
    const [low, high] = mine.cpuVsFloorSpread!;
    targets.push({ target: `p${pipelining}: ${label} CPU per push <= ${limit}x its floor's`, value: mine.cpuVsFloor, unit: 'x', range: `${fmt(low, 2)}-${fmt(high, 2)}x`, met: mine.cpuVsFloor <= limit });
    if (mine.cpuVsStackFloor === undefined) continue;
    // For reference, not a target: the same limit against the floor's work on rbmkit's fixed stack.
    const [stackLow, stackHigh] = mine.cpuVsStackFloorSpread!;
    targets.push({ target: `p${pipelining}: ${label} CPU per push against the same work on Koa + router + bodyparser (reference)`, value: mine.cpuVsStackFloor, unit: 'x', range: `${fmt(stackLow, 2)}-${fmt(stackHigh, 2)}x`, met: undefined });
  }
}
const memoryOf = (id: string) => memoryRuns.find((m) => m.server === byId(id).name);
for (const [id, label] of [['echo', 'rbmkit echo'], ['none', 'rbmkit no plugins']] as const) {
  const mine = memoryOf(id);
  const floor = memoryOf(byId(id).floor!);
  if (mine !== undefined && floor !== undefined) {
    targets.push({ target: `${label}: RSS after ${MEMORY_PUSHES.toLocaleString('en')} pushes <= 1.3x its floor's`, value: mine.rssMb / floor.rssMb, unit: 'x', met: mine.rssMb / floor.rssMb <= 1.3 });
  }
}
for (const [id, label] of [['none', 'rbmkit no plugins'], ['echo', 'rbmkit echo']] as const) {
  const idle = runs.filter((r) => r.server === byId(id).name).map((r) => r.idleRssMb);
  if (idle.length > 0) {
    const [low, high] = spread(idle);
    targets.push({ target: `${label}: idle RSS <= 100 MB`, value: median(idle), unit: ' MB', range: `${fmt(low)}-${fmt(high)} MB`, met: median(idle) <= 100 });
  }
}

let queueResult: QueueBenchResult | undefined;
if (!values['no-queue'] && !values['only-memory']) {
  console.log('bench: queue mode (ingress against direct, then workers draining a stream)');
  queueResult = await benchQueue(pool, queueOptions);
}

let profile: Array<{ where: string; percent: number }> = [];
if (!values['no-profile'] && !values['only-memory']) {
  const dir = join(RESULTS, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log('bench: profiling the rbmkit echo agent (HTTP client to the fake API, p1) with --cpu-prof');
  await measure(byId('echo'), 1, 0, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file !== undefined) profile = summarizeProfile(join(dir, file)).slice(0, 15);
}

const micro = values['no-micro'] || values['only-memory'] ? [] : await runMicro();

// CPU time per push first: it holds from run to run where req/s does not.
const table = [
  `| server | pipelining | CPU us/push (lowest-highest) | x floor, CPU (lowest-highest) | x floor on Koa, CPU (lowest-highest) | alloc KB/push | p50 ms | p99 ms | x floor (p99) | most req/s | x floor (req/s) | idle RSS MB | RSS MB after | x node:http | x Koa |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.server} | ${r.pipelining} | ${opt(r.cpuUsPerPush, 0)}${range(r.cpuSpread)} | ${opt(r.cpuVsFloor)}${range(r.cpuVsFloorSpread, 2)} | ${opt(r.cpuVsStackFloor)}${range(r.cpuVsStackFloorSpread, 2)} | ${opt(r.allocatedKbPerPush, 1)} | ${r.p50} | ${r.p99} | ${opt(r.p99VsFloor)} | ${fmt(r.rps)} | ${opt(r.vsFloor)} | ${fmt(r.idleRssMb)} | ${fmt(r.rssMb)} | ${opt(r.vsNode)} | ${opt(r.vsKoa)} |`,
  ),
].join('\n');
const memoryTable = [
  `| server | pushes | seconds | RSS MB after | heap used MB | heap after a full GC, MB | x floor (RSS) |`,
  '|---|---:|---:|---:|---:|---:|---:|',
  ...memoryRuns.map((m) => {
    const server = ALL_SERVERS.find((s) => s.name === m.server)!;
    const floor = server.floor === undefined ? undefined : memoryOf(server.floor);
    return `| ${m.server} | ${fmt(m.pushes)} | ${fmt(m.seconds)} | ${fmt(m.rssMb)} | ${m.heapUsedMb > 0 ? fmt(m.heapUsedMb) : '-'} | ${opt(m.retainedMb, 0)} | ${opt(floor === undefined ? undefined : m.rssMb / floor.rssMb)} |`;
  }),
].join('\n');
const targetTable = [
  '| target | measured (median) | over the rounds | met |',
  '|---|---:|---:|---|',
  ...targets.map((t) => `| ${t.target} | ${opt(t.value, t.unit === 'x' ? 2 : 0)}${t.unit} | ${t.range ?? '-'} | ${t.met === undefined ? '-' : t.met ? 'yes' : 'NO'} |`),
].join('\n');
const microTable = ['| measure | value | target | met |', '|---|---:|---|---|', ...micro.map((m) => `| ${m.measure} | ${fmt(m.value, m.unit === 'x' || m.unit === 'MB' ? 2 : 0)} ${m.unit} | ${m.target ?? '-'} | ${m.met === undefined ? '-' : m.met ? 'yes' : 'NO'} |`)].join('\n');
const profileTable = ['| where the echo agent\'s CPU time goes (self time) | share |', '|---|---:|', ...profile.map((p) => `| ${p.where} | ${fmt(p.percent, 1)}% |`)].join('\n');
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`;

const sections = [
  rows.length === 0 ? '' : `## End to end (HTTP over loopback)\n\n${table}\n`,
  memoryRuns.length === 0 ? '' : `## Memory after ${MEMORY_PUSHES.toLocaleString('en')} distinct pushes\n\n${memoryTable}\n`,
  values['only-memory'] ? '' : `## Queue mode (NATS JetStream on this machine)\n\n${queueResult === undefined ? 'Not measured (--no-queue, or NATS did not answer).' : queueMarkdown(queueResult)}\n`,
  targets.length === 0 ? '' : `## Targets\n\n${targetTable}\n`,
  micro.length === 0 ? '' : `## Micro\n\n${microTable}\n`,
  profile.length === 0 ? '' : `## Profile\n\n${profileTable}\n`,
].filter((s) => s !== '');
const markdown = `# rbmkit benchmark

${new Date().toISOString()}, ${machine}. ${ROUNDS} rounds, servers alternated; ${WARMUP}s warm-up, then ${RATE > 0 ? `${(RATE * SECONDS).toLocaleString('en')} pushes offered at ${RATE}/s (CPU time, allocations, p50 and p99), then ${MAX_SECONDS}s as fast as answered (most req/s)` : `${SECONDS}s as fast as answered`}; autocannon ${CONNECTIONS} connections; every request a distinct pre-signed push.${HAS_TASKSET ? ' Server on core 0, load generator (and the fake API) on core 1.' : ''} Ratios are per round, then the median. Logging at info (to /dev/null), metrics on.

${sections.join('\n')}
Took ${minutes} minutes.
`;
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify({ machine, at: new Date().toISOString(), options: { ROUNDS, SECONDS, RATE, MAX_SECONDS, WARMUP, CONNECTIONS, PIPELINING }, runs, rows, memory: memoryRuns, queue: queueResult, targets, micro, profile }, null, 2);
for (const name of [`bench-${stamp}`, 'latest']) {
  writeFileSync(join(RESULTS, `${name}.json`), json);
  writeFileSync(join(RESULTS, `${name}.md`), markdown);
}
console.log(`\n${markdown}`);
console.log(`bench: results in ${RESULTS}/latest.md and latest.json`);
