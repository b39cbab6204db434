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
import { HAS_TASKSET, startServer } from './run-server.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
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
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const PIPELINING = values.pipelining!.split(',').map(Number);
const RESULTS = 'bench/results';

interface Server {
  /** Short name for --servers. */
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly env?: Record<string, string>;
  readonly fakeApi?: boolean;
  /** The id of the hand-written server doing the same work: this one's floor. */
  readonly floor?: string;
}
const ALL_SERVERS: Server[] = [
  { id: 'node', name: 'node:http (verify only)', file: 'bench/servers/bare-node.ts' },
  { id: 'koa', name: 'Koa + router + bodyparser (verify only)', file: 'bench/servers/koa-baseline.ts' },
  { id: 'express', name: 'Express sample style (verify only, ===)', file: 'bench/servers/express-sample.ts' },
  { id: 'floor-echo', name: 'floor: node:http echo (verify, dedupe, READ + reply over HTTP, log)', file: 'bench/servers/floor-agent.ts', env: { MODE: 'echo' }, fakeApi: true },
  { id: 'echo', name: 'rbmkit echo, HTTP client to fake API', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'http' }, fakeApi: true, floor: 'floor-echo' },
  { id: 'floor-none', name: 'floor: node:http, no plugins (verify, dedupe)', file: 'bench/servers/floor-agent.ts', env: { MODE: 'none' } },
  { id: 'none', name: 'rbmkit, no plugins (verify, dedupe, dispatch)', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory', PLUGINS: 'none' }, floor: 'floor-none' },
  { id: 'echo-memory', name: 'rbmkit echo, in-memory client', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory' } },
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
console.log(`bench: ${ROUNDS} rounds x ${SERVERS.length} servers x pipelining ${PIPELINING.join(' and ')}; ${WARMUP}s warm-up, ${SECONDS}s measured, ${CONNECTIONS} connections`);
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
  readonly wrapped: boolean;
  /** Per answered push, over the measured seconds: server CPU time (us), JS heap bytes allocated, scavenges. */
  readonly cpuUsPerPush?: number;
  readonly allocatedKbPerPush?: number;
  readonly scavengesPer1000?: number;
}
const runs: Run[] = [];

async function measure(server: Server, pipelining: number, round: number, nodeFlags: string[] = []): Promise<Run> {
  const api = server.fakeApi === true ? await startServer('bench/servers/fake-api.ts', 1) : undefined;
  const env = { ...server.env, ...(api === undefined ? {} : { RBM_API_URL: `http://127.0.0.1:${api.port}` }) };
  const process_ = await startServer(server.file, 0, env, nodeFlags);
  try {
    const url = `http://127.0.0.1:${process_.port}/webhook`;
    const cursor = { next: 0 };
    await load(url, pool, cursor, { seconds: WARMUP, connections: CONNECTIONS, pipelining });
    await process_.startWork();
    const result = await load(url, pool, cursor, { seconds: SECONDS, connections: CONNECTIONS, pipelining });
    const work = await process_.work();
    const rssMb = (await process_.rss()) / 1024 / 1024;
    // CPU time and allocations per push hold up under a busy machine far better than req/s.
    const pushes = Math.max(result.total, 1);
    const perPush =
      work === undefined
        ? {}
        : { cpuUsPerPush: work.cpuUs / pushes, allocatedKbPerPush: work.allocatedBytes / 1024 / pushes, scavengesPer1000: (1000 * work.scavenges) / pushes };
    return { ...result, ...perPush, server: server.name, pipelining, round, rssMb, wrapped: cursor.next > pool.length };
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
  const api = server.fakeApi === true ? await startServer('bench/servers/fake-api.ts', 1) : undefined;
  const env = { ...server.env, ...(api === undefined ? {} : { RBM_API_URL: `http://127.0.0.1:${api.port}` }) };
  const process_ = await startServer(server.file, 0, env);
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
          `  round ${round} p${pipelining} ${server.name.padEnd(42)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  RSS ${run.rssMb.toFixed(0)} MB` +
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
interface Row {
  readonly id: string;
  readonly server: string;
  readonly pipelining: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMb: number;
  readonly cpuUsPerPush?: number;
  readonly allocatedKbPerPush?: number;
  /** Medians of per-round ratios; undefined when that server did not run. */
  readonly vsFloor?: number;
  readonly p99VsFloor?: number;
  readonly vsNode?: number;
  readonly vsKoa?: number;
  readonly vsExpress?: number;
}
const measuredNames = new Set(runs.map((r) => r.server));
/** A ratio per round (servers of one round ran side by side), then the median of rounds. */
const ratio = (server: string, baseline: string | undefined, pipelining: number, of: (r: Run) => number = (r) => r.rps) => {
  if (baseline === undefined || !measuredNames.has(baseline) || !measuredNames.has(server)) return undefined;
  const rounds = [...new Set(runs.map((r) => r.round))];
  return median(
    rounds.map((round) => {
      const find = (name: string) => runs.find((r) => r.server === name && r.round === round && r.pipelining === pipelining)!;
      return of(find(server)) / Math.max(of(find(baseline)), 1e-9);
    }),
  );
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
      ...(mine.every((r) => r.cpuUsPerPush !== undefined)
        ? { cpuUsPerPush: median(mine.map((r) => r.cpuUsPerPush!)), allocatedKbPerPush: median(mine.map((r) => r.allocatedKbPerPush!)) }
        : {}),
      vsFloor: ratio(server.name, floor, pipelining),
      // p99 of 0-1 ms rounds to a floor of 1 ms, so a ratio never divides by 0.
      p99VsFloor: ratio(server.name, floor, pipelining, (r) => Math.max(r.p99, 1)),
      vsNode: ratio(server.name, byId('node').name, pipelining),
      vsKoa: ratio(server.name, byId('koa').name, pipelining),
      vsExpress: ratio(server.name, byId('express').name, pipelining),
    };
  }),
);

interface Target {
  readonly target: string;
  readonly value: number | undefined;
  readonly met: boolean | undefined;
}
const targets: Target[] = [];
for (const pipelining of PIPELINING) {
  const row = (id: string) => rows.find((r) => r.id === id && r.pipelining === pipelining);
  const echoRow = row('echo');
  const noneRow = row('none');
  const check = (target: string, value: number | undefined, ok: (v: number) => boolean) => targets.push({ target, value, met: value === undefined ? undefined : ok(value) });
  if (echoRow?.vsFloor !== undefined) {
    check(`p${pipelining}: rbmkit echo req/s >= 0.8x its floor`, echoRow.vsFloor, (v) => v >= 0.8);
    check(`p${pipelining}: rbmkit echo p99 <= 1.5x its floor's`, echoRow.p99VsFloor, (v) => v <= 1.5);
  }
  if (noneRow?.vsFloor !== undefined) check(`p${pipelining}: rbmkit no plugins req/s >= 0.8x its floor`, noneRow.vsFloor, (v) => v >= 0.8);
}
const memoryOf = (id: string) => memoryRuns.find((m) => m.server === byId(id).name);
for (const [id, label] of [['echo', 'rbmkit echo'], ['none', 'rbmkit no plugins']] as const) {
  const mine = memoryOf(id);
  const floor = memoryOf(byId(id).floor!);
  if (mine !== undefined && floor !== undefined) {
    targets.push({ target: `${label}: RSS after ${MEMORY_PUSHES.toLocaleString('en')} pushes <= 1.5x its floor's`, value: mine.rssMb / floor.rssMb, met: mine.rssMb / floor.rssMb <= 1.5 });
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

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const opt = (n: number | undefined, digits = 2) => (n === undefined ? '-' : fmt(n, digits));
const table = [
  '| server | pipelining | req/s (median) | p50 ms | p99 ms | RSS MB | CPU us/push | alloc KB/push | x floor (req/s) | x floor (p99) | x node:http | x Koa | x Express |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.server} | ${r.pipelining} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${fmt(r.rssMb)} | ${opt(r.cpuUsPerPush, 0)} | ${opt(r.allocatedKbPerPush, 1)} | ${opt(r.vsFloor)} | ${opt(r.p99VsFloor)} | ${opt(r.vsNode)} | ${opt(r.vsKoa)} | ${opt(r.vsExpress)} |`,
  ),
].join('\n');
const memoryTable = [
  `| server | pushes | seconds | RSS MB after | heap used MB | heap after a full GC, MB | x floor (RSS) |`,
  '|---|---:|---:|---:|---:|---:|---:|',
  ...memoryRuns.map((m) => {
    const server = ALL_SERVERS.find((s) => s.name === m.server)!;
    const floor = server.floor === undefined ? undefined : memoryOf(server.floor);
    return `| ${m.server} | ${fmt(m.pushes)} | ${fmt(m.seconds)} | ${fmt(m.rssMb)} | ${fmt(m.heapUsedMb)} | ${opt(m.retainedMb, 0)} | ${opt(floor === undefined ? undefined : m.rssMb / floor.rssMb)} |`;
  }),
].join('\n');
const targetTable = ['| target | measured | met |', '|---|---:|---|', ...targets.map((t) => `| ${t.target} | ${opt(t.value)}x | ${t.met === undefined ? '-' : t.met ? 'yes' : 'NO'} |`)].join('\n');
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

${new Date().toISOString()}, ${machine}. ${ROUNDS} rounds, servers alternated; ${WARMUP}s warm-up then ${SECONDS}s measured each, autocannon ${CONNECTIONS} connections; every request a distinct pre-signed push.${HAS_TASKSET ? ' Server on core 0, load generator (and the fake API) on core 1.' : ''} Ratios are per round, then the median. Logging at info (to /dev/null), metrics on.

${sections.join('\n')}
Took ${minutes} minutes.
`;
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify({ machine, at: new Date().toISOString(), options: { ROUNDS, SECONDS, WARMUP, CONNECTIONS, PIPELINING }, runs, rows, memory: memoryRuns, queue: queueResult, targets, micro, profile }, null, 2);
for (const name of [`bench-${stamp}`, 'latest']) {
  writeFileSync(join(RESULTS, `${name}.json`), json);
  writeFileSync(join(RESULTS, `${name}.md`), markdown);
}
console.log(`\n${markdown}`);
console.log(`bench: results in ${RESULTS}/latest.md and latest.json`);
