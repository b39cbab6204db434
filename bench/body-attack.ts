// `npx tsx --conditions=source bench/body-attack.ts [--bodies 400 --waves 3 --forged --seconds 60]`
// spawns the echo agent (examples/echo-agent) on a loopback port and sends it `--waves` waves
// of `--bodies` concurrent pushes of about 1 MiB each (under the default 1 MiB body limit),
// unsigned, or with `--forged` a well-formed but wrong X-Goog-Signature (so each admitted body
// must be read and parsed to be found forged), then reports the agent's resident memory:
// before, at its peak under the attack (VmHWM, sampled VmRSS where /proc is missing), the
// growth against the body budget, and how the requests were answered. Bounded: at most 5,000
// bodies a wave, 10 waves, at most `--seconds` for each wave.
// `--agent <file>` runs another agent entry (e.g. an older checkout's, to compare), `--cwd` from
// its own directory.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    bodies: { type: 'string', default: '400' },
    waves: { type: 'string', default: '3' },
    forged: { type: 'boolean', default: false },
    bytes: { type: 'string', default: String(1_000_000) },
    seconds: { type: 'string', default: '60' },
    agent: { type: 'string', default: 'examples/echo-agent/index.ts' },
    cwd: { type: 'string', default: '.' },
  },
});
const BODIES = Math.min(5_000, Math.max(1, Number(values.bodies)));
const BYTES = Math.min(1_040_000, Math.max(1_000, Number(values.bytes)));
const SECONDS = Math.min(600, Math.max(5, Number(values.seconds)));
const WAVES = Math.min(10, Math.max(1, Number(values.waves)));
/** The echo agent's default body budget (bodyBudgetBytes). */
const BUDGET = 64 * 1024 * 1024;
// 88 base64 characters decoding to 64 bytes: past every shape check, wrong for any key.
const FORGED = `${'A'.repeat(86)}==`;
const cwd = resolve(values.cwd);

const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in bytes: now and its peak (Linux /proc), else now only (ps). */
function memoryOf(pid: number): { rss: number; peak: number | undefined } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) * 1024, peak: undefined };
  }
}

const port = await freePort();
const agent = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', resolve(cwd, values.agent)], {
  cwd,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', RBM_CLIENT_TOKEN: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const pid = agent.pid!;

// Ready when it answers.
for (let i = 0; ; i += 1) {
  if (i > 300) throw new Error('the agent did not answer within 30 s; expected it to listen on PORT');
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`);
    break;
  } catch {
    await sleep(100);
  }
}
await sleep(500);
const before = memoryOf(pid);

// One ~1 MiB unsigned push: a base64 `data` filling the body.
const filler = 'A'.repeat(Math.floor(((BYTES - 200) * 3) / 4 / 3) * 4);
const body = Buffer.from(JSON.stringify({ message: { data: filler, messageId: '1', publishTime: new Date().toISOString() }, subscription: 's' }));

let sampledPeak = before.rss;
const sampler = setInterval(() => {
  try {
    sampledPeak = Math.max(sampledPeak, memoryOf(pid).rss);
  } catch {
    // the agent is gone
  }
}, 20);

const statuses = new Map<string, number>();
const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length };
if (values.forged) headers['x-goog-signature'] = FORGED;
const started = performance.now();
for (let wave = 0; wave < WAVES; wave += 1) {
  const connections = new Agent({ keepAlive: false, maxSockets: Infinity });
  const deadline = setTimeout(() => connections.destroy(), SECONDS * 1000);
  await Promise.all(
    Array.from(
      { length: BODIES },
      () =>
        new Promise<void>((done) => {
          const count = (key: string) => {
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
            done();
          };
          const req = request({ host: '127.0.0.1', port, path: '/webhook', method: 'POST', agent: connections, headers }, (res) => {
            res.resume();
            res.on('end', () => count(String(res.statusCode)));
            res.on('error', () => count('reset'));
          });
          req.on('error', (error: NodeJS.ErrnoException) => count(error.code ?? 'error'));
          req.end(body);
        }),
    ),
  );
  clearTimeout(deadline);
}
const seconds = (performance.now() - started) / 1000;
await sleep(200);
clearInterval(sampler);
const after = memoryOf(pid);
const still = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
agent.kill('SIGTERM');

const mib = (n: number | undefined) => (n === undefined ? 'n/a' : `${(n / 1024 / 1024).toFixed(0)} MiB`);
console.log(
  JSON.stringify(
    {
      bodies: BODIES,
      waves: WAVES,
      signature: values.forged ? 'forged' : 'none',
      bodyBytes: body.length,
      seconds: Number(seconds.toFixed(2)),
      answers: Object.fromEntries([...statuses].sort()),
      rssBefore: mib(before.rss),
      rssPeak: mib(Math.max(after.peak ?? 0, sampledPeak)),
      rssAfter: mib(after.rss),
      growth: mib(Math.max(after.peak ?? 0, sampledPeak) - before.rss),
      bodyBudget: mib(BUDGET),
      healthzAfter: still,
    },
    null,
    2,
  ),
);
