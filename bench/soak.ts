// npm run soak [-- --seconds 300 --rate 200]: drives the soak bot over loopback as Google
// would (every event retried until answered 200, ~10% duplicates and redeliveries), with
// the fake RBM API failing ~10% of calls and a plugin throwing at random; then checks that
// every accepted event was completed exactly once by each plugin and that RSS stayed flat.
// npm run soak -- --queue --workers 3: queue mode instead (bench/soak-queue.ts), one ingress
// and N worker processes on NATS (QUEUE_URL) and Redis (REDIS_URL), workers SIGKILLed at random
// (`--freeze`: SIGSTOPped for --freeze-ms, then resumed); it reports how long conversations
// stalled after each kill. `--ack-wait-ms` / `--lease-ms` override rbmkit's defaults (3 s / 6 s).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeRbmApi, payloads, signedPush } from 'rbmkit/testing';
import { queueSoak } from './soak-queue.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    conversations: { type: 'string', default: '500' },
    queue: { type: 'boolean', default: false },
    workers: { type: 'string', default: '3' },
    'kill-every': { type: 'string', default: '3' },
    freeze: { type: 'boolean', default: false },
    'freeze-ms': { type: 'string', default: '8000' },
    'ack-wait-ms': { type: 'string' },
    'lease-ms': { type: 'string' },
  },
});
if (values.queue) {
  const result = await queueSoak({
    seconds: Number(values.seconds),
    rate: Number(values.rate),
    conversations: Number(values.conversations),
    workers: Number(values.workers),
    killEveryMs: Number(values['kill-every']) * 1000,
    freezeMs: values.freeze ? Number(values['freeze-ms']) : undefined,
    ackWaitMs: values['ack-wait-ms'] === undefined ? undefined : Number(values['ack-wait-ms']),
    leaseMs: values['lease-ms'] === undefined ? undefined : Number(values['lease-ms']),
    queueUrl: process.env.QUEUE_URL || 'nats://127.0.0.1:4222',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  });
  process.exit(result.ok ? 0 : 1);
}
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const CONVERSATIONS = Number(values.conversations);
const PLUGINS = ['ledger', 'flaky', 'replier'];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const api = await FakeRbmApi.start({ failureRate: 0.1 });
const port = await freePort();
const ledgerFile = join(mkdtempSync(join(tmpdir(), 'rbmkit-soak-')), 'ledger.json');
const bot = spawn(process.execPath, ['--expose-gc', '--conditions=source', '--import', 'tsx', 'bench/soak-bot.ts'], {
  env: { ...process.env, PORT: String(port), RBM_API_URL: api.url, LEDGER_FILE: ledgerFile },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const rss: number[] = [];
const heap: number[] = [];
let buffered = '';
bot.stdout.on('data', (chunk: Buffer) => {
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop()!;
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    const sample = JSON.parse(line) as { rss: number; heap: number };
    rss.push(sample.rss);
    heap.push(sample.heap);
    if (process.env.SOAK_TRACE) console.log(`rss ${(sample.rss / 1048576).toFixed(1)} heap ${(sample.heap / 1048576).toFixed(1)}`);
  }
});
while (rss.length === 0) await sleep(50);

const url = `http://127.0.0.1:${port}/webhook`;
const accepted = new Set<string>();
const statuses = new Map<number, number>();
let sent = 0;
let duplicatesSent = 0;
let inFlight = 0;

/** Posts one delivery; true when answered 200. */
async function deliver(body: string, headers: Record<string, string>): Promise<boolean> {
  sent += 1;
  inFlight += 1;
  try {
    const response = await fetch(url, { method: 'POST', body, headers });
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return response.status === 200;
  } catch {
    statuses.set(0, (statuses.get(0) ?? 0) + 1);
    return false;
  } finally {
    inFlight -= 1;
  }
}

/** Google's part for one event: redeliver with back-off until 200; sometimes send a copy anyway. */
async function google(id: string, phone: string, n: number): Promise<void> {
  const push = signedPush(payloads.text({ text: `m${n}`, messageId: id, phone, agentId: 'soak@rbm.goog' }), { token: 'SOAKTOKEN' });
  if (Math.random() < 0.1) {
    duplicatesSent += 1;
    void deliver(push.body, push.headers);
  }
  let delay = 50;
  while (!(await deliver(push.body, push.headers))) {
    await sleep(delay);
    delay = Math.min(delay * 2, 2_000);
  }
  accepted.add(id);
  if (Math.random() < 0.05) {
    duplicatesSent += 1;
    await deliver(push.body, push.headers);
  }
}

console.log(`soak: ${SECONDS}s at ${RATE} events/s over ${CONVERSATIONS} conversations; fake API fails ~10% of calls`);
const events: Promise<void>[] = [];
const started = Date.now();
let n = 0;
while (Date.now() - started < SECONDS * 1000) {
  const due = Math.floor(((Date.now() - started) / 1000) * RATE);
  while (n < due) {
    const phone = `+1555${String(n % CONVERSATIONS).padStart(7, '0')}`;
    events.push(google(`soak-${n}`, phone, n));
    n += 1;
  }
  await sleep(10);
}
await Promise.all(events);
await sleep(200);
const rssEnd = rss.at(-1)!;
bot.kill('SIGTERM');
await new Promise((resolve) => bot.once('exit', resolve));
await api.close();

const count = new Map<string, number>();
let stats = '';
for (const line of readFileSync(ledgerFile, 'utf8').split('\n')) {
  if (line.startsWith('stats ')) stats = line.slice(6);
  else if (line !== '') count.set(line, (count.get(line) ?? 0) + 1);
}
let lost = 0;
let doubled = 0;
for (const id of accepted) {
  for (const plugin of PLUGINS) {
    const c = count.get(`${plugin} ${id}`) ?? 0;
    if (c === 0) lost += 1;
    if (c > 1) doubled += 1;
  }
}
const exactlyOnce = accepted.size * PLUGINS.length - lost - doubled;
// Memory after warm-up (a third in, when the bounded dedupe memory is filling) against the end,
// each sampled after a forced GC.
const warmAt = Math.max(3, Math.floor(rss.length / 3));
const warm = rss[warmAt] ?? rss[0]!;
const heapWarm = heap[warmAt] ?? heap[0]!;
const heapEnd = heap.at(-1)!;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const growth = rssEnd - warm;
const flat = growth < Math.max(20 * 1024 * 1024, warm * 0.15);

console.log(`
events generated        ${n}
events accepted (200)   ${accepted.size}
deliveries sent         ${sent} (duplicates sent on purpose: ${duplicatesSent})
answers                 ${[...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}: ${c}`).join(', ')}
plugin completions      ${exactlyOnce} of ${accepted.size * PLUGINS.length} exactly once (${PLUGINS.length} plugins x accepted)
lost                    ${lost}
double-handled          ${doubled}
fake API                ${api.messages.length} replies accepted, ${api.requests.filter((r) => r.status !== 200).length} calls failed on purpose
bot counters            ${stats}
RSS (after GC)          start ${mb(rss[0]!)}, after warm-up ${mb(warm)}, end ${mb(rssEnd)} (${growth >= 0 ? '+' : ''}${mb(growth)}): ${flat ? 'flat' : 'GROWING'}
heap used (after GC)    start ${mb(heap[0]!)}, after warm-up ${mb(heapWarm)}, end ${mb(heapEnd)}
`);
const ok = lost === 0 && doubled === 0 && accepted.size === n && flat;
console.log(ok ? 'soak: PASS' : 'soak: FAIL');
process.exit(ok ? 0 : 1);
