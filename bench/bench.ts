// npm run bench: rbmkit against the floor and its peers, side by side in one run, then micro
// benchmarks and a CPU profile. Writes a table to the terminal and JSON + markdown under
// bench/results/. Options: --rounds 3 --seconds 10 --warmup 2 --pipelining 1,10 --no-profile
// Queue mode rows (bench/queue-bench.ts) when NATS answers at QUEUE_URL: --no-queue skips them,
// --only-queue measures them alone (results in bench/results/queue-latest.*).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
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
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const PIPELINING = values.pipelining!.split(',').map(Number);
const RESULTS = 'bench/results';

interface Server {
  readonly name: string;
  readonly file: string;
  readonly env?: Record<string, string>;
  readonly fakeApi?: boolean;
}
const SERVERS: Server[] = [
  { name: 'node:http (verify only)', file: 'bench/servers/bare-node.ts' },
  { name: 'Koa + router + bodyparser (verify only)', file: 'bench/servers/koa-baseline.ts' },
  { name: 'Express sample style (verify only, ===)', file: 'bench/servers/express-sample.ts' },
  { name: 'rbmkit echo, in-memory client', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory' } },
  { name: 'rbmkit, no plugins (verify, dedupe, dispatch)', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'memory', PLUGINS: 'none' } },
  { name: 'rbmkit echo, HTTP client to fake API', file: 'bench/servers/rbmkit-echo.ts', env: { CLIENT: 'http' }, fakeApi: true },
];

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
    const result = await load(url, pool, cursor, { seconds: SECONDS, connections: CONNECTIONS, pipelining });
    const rssMb = (await process_.rss()) / 1024 / 1024;
    return { ...result, server: server.name, pipelining, round, rssMb, wrapped: cursor.next > pool.length };
  } finally {
    await process_.stop();
    await api?.stop();
  }
}

for (let round = 1; round <= ROUNDS; round += 1) {
  for (const pipelining of PIPELINING) {
    // Alternate the order each round, so no server always runs first or last.
    const order = round % 2 === 1 ? SERVERS : [...SERVERS].reverse();
    for (const server of order) {
      const run = await measure(server, pipelining, round);
      runs.push(run);
      console.log(
        `  round ${round} p${pipelining} ${server.name.padEnd(42)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  RSS ${run.rssMb.toFixed(0)} MB` +
          `${run.non2xx + run.errors > 0 ? `  (${run.non2xx} non-2xx, ${run.errors} errors)` : ''}${run.wrapped ? '  (pool wrapped)' : ''}`,
      );
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Row {
  readonly server: string;
  readonly pipelining: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMb: number;
  readonly vsNode: number;
  readonly vsKoa: number;
  readonly vsExpress: number;
}
/** A ratio per round (servers of one round ran side by side), then the median of rounds. */
const ratio = (server: string, baseline: string, pipelining: number) =>
  median(
    Array.from({ length: ROUNDS }, (_, i) => {
      const of = (name: string) => runs.find((r) => r.server === name && r.round === i + 1 && r.pipelining === pipelining)!.rps;
      return of(server) / of(baseline);
    }),
  );
const rows: Row[] = PIPELINING.flatMap((pipelining) =>
  SERVERS.map((server) => {
    const mine = runs.filter((r) => r.server === server.name && r.pipelining === pipelining);
    return {
      server: server.name,
      pipelining,
      rps: median(mine.map((r) => r.rps)),
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      rssMb: median(mine.map((r) => r.rssMb)),
      vsNode: ratio(server.name, SERVERS[0]!.name, pipelining),
      vsKoa: ratio(server.name, SERVERS[1]!.name, pipelining),
      vsExpress: ratio(server.name, SERVERS[2]!.name, pipelining),
    };
  }),
);

const echo = SERVERS[3]!.name;
const targets = PIPELINING.flatMap((pipelining) => {
  const row = rows.find((r) => r.server === echo && r.pipelining === pipelining)!;
  return [
    { target: `p${pipelining}: echo (in-memory) >= 0.9x bare Koa`, value: row.vsKoa, met: row.vsKoa >= 0.9 },
    { target: `p${pipelining}: echo (in-memory) >= 3x Express sample`, value: row.vsExpress, met: row.vsExpress >= 3 },
    { target: `p${pipelining}: goal, echo (in-memory) >= 0.7x node:http`, value: row.vsNode, met: row.vsNode >= 0.7 },
  ];
});

let queueResult: QueueBenchResult | undefined;
if (!values['no-queue']) {
  console.log('bench: queue mode (ingress against direct, then workers draining a stream)');
  queueResult = await benchQueue(pool, queueOptions);
}

let profile: Array<{ where: string; percent: number }> = [];
if (!values['no-profile']) {
  const dir = join(RESULTS, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log('bench: profiling the rbmkit echo agent (in-memory client, p1) with --cpu-prof');
  await measure(SERVERS[3]!, 1, 0, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file !== undefined) profile = summarizeProfile(join(dir, file)).slice(0, 15);
}

const micro = values['no-micro'] ? [] : await runMicro();

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  '| server | pipelining | req/s (median) | p50 ms | p99 ms | RSS MB | x node:http | x Koa | x Express |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.server} | ${r.pipelining} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${fmt(r.rssMb)} | ${fmt(r.vsNode, 2)} | ${fmt(r.vsKoa, 2)} | ${fmt(r.vsExpress, 2)} |`),
].join('\n');
const targetTable = ['| target | measured | met |', '|---|---:|---|', ...targets.map((t) => `| ${t.target} | ${fmt(t.value, 2)}x | ${t.met ? 'yes' : 'NO'} |`)].join('\n');
const microTable = ['| measure | value | target | met |', '|---|---:|---|---|', ...micro.map((m) => `| ${m.measure} | ${fmt(m.value, m.unit === 'x' || m.unit === 'MB' ? 2 : 0)} ${m.unit} | ${m.target ?? '-'} | ${m.met === undefined ? '-' : m.met ? 'yes' : 'NO'} |`)].join('\n');
const profileTable = ['| where the echo agent\'s CPU time goes (self time) | share |', '|---|---:|', ...profile.map((p) => `| ${p.where} | ${fmt(p.percent, 1)}% |`)].join('\n');
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`;

const markdown = `# rbmkit benchmark

${new Date().toISOString()}, ${machine}. ${ROUNDS} rounds, servers alternated; ${WARMUP}s warm-up then ${SECONDS}s measured each, autocannon ${CONNECTIONS} connections; every request a distinct pre-signed push.${HAS_TASKSET ? ' Server on core 0, load generator on core 1.' : ''} Ratios are per round, then the median.

## End to end (HTTP over loopback)

${table}

## Queue mode (NATS JetStream on this machine)

${queueResult === undefined ? 'Not measured (--no-queue, or NATS did not answer).' : queueMarkdown(queueResult)}

## Targets

${targetTable}

## Micro

${microTable}

## Profile

${profileTable}

Took ${minutes} minutes.
`;
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify({ machine, options: { ROUNDS, SECONDS, WARMUP, CONNECTIONS, PIPELINING }, runs, rows, queue: queueResult, targets, micro, profile }, null, 2);
for (const name of [`bench-${stamp}`, 'latest']) {
  writeFileSync(join(RESULTS, `${name}.json`), json);
  writeFileSync(join(RESULTS, `${name}.md`), markdown);
}
console.log(`\n${markdown}`);
console.log(`bench: results in ${RESULTS}/latest.md and latest.json`);
