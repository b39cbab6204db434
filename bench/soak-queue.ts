// The queue-mode soak (npm run soak -- --queue --workers 3): one ingress process and N worker
// processes (bench/soak-queue-bot.ts) on NATS JetStream and a shared Redis, a unique stream
// and Redis prefix per run. Distinct pushes over many conversations, each conversation's
// pushes sent one after another (the next once the previous was answered 200), while a random
// worker is SIGKILLed at random intervals and restarted. Then waits until every accepted event
// was handled and checks: lost, double-handled (per plugin), out of order (per conversation).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { NatsQueue } from 'rbmkit';
import { payloads, signedPush } from 'rbmkit/testing';
import { deleteKeysUnder } from '../test/helpers/redis-keys.js';

export interface QueueSoakOptions {
  readonly seconds: number;
  /** Events per second, over all conversations. */
  readonly rate: number;
  readonly conversations: number;
  readonly workers: number;
  /** Kill a worker every `killEveryMs` on average (uniform between half and one and a half of it). */
  readonly killEveryMs: number;
  /** Freeze (SIGSTOP) a worker for this long, then resume it (SIGCONT), instead of killing it. */
  readonly freezeMs?: number | undefined;
  /** The queue's ack wait and the dedupe lease, when not rbmkit's defaults. */
  readonly ackWaitMs?: number | undefined;
  readonly leaseMs?: number | undefined;
  readonly queueUrl: string;
  readonly redisUrl: string;
}

/** What a queue soak measured; `ok` when nothing was lost, doubled or reordered. */
export interface QueueSoakResult {
  readonly generated: number;
  readonly accepted: number;
  readonly kills: number;
  readonly lost: number;
  readonly doubled: number;
  /** Of `doubled`: first completed by a worker that was then SIGKILLed (the kill fell between the plugin's effect and its completion record). */
  readonly doubledByKilled: number;
  readonly outOfOrder: number;
  readonly conversationsOutOfOrder: number;
  readonly handled: number;
  readonly drainMs: number;
  /** Per kill, per conversation that had an event waiting at the kill: ms from the kill to its next completion. */
  readonly stall: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly seconds: number;
  readonly ok: boolean;
}

const PLUGINS = ['ledger', 'second'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const phoneOf = (conversation: number) => `+1556${String(conversation).padStart(7, '0')}`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts one soak process and resolves once it printed `ready`. */
function startProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/soak-queue-bot.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/^ready \d+$/m.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`soak ${env.ROLE} exited with ${code} before it was ready; expected "ready <pid>":\n${out}`)));
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Runs the queue-mode soak and prints its figures; resolves with them.
 *
 * @example
 * const result = await queueSoak({ seconds: 60, rate: 200, conversations: 200, workers: 3, killEveryMs: 3_000, queueUrl: 'nats://127.0.0.1:4222', redisUrl: 'redis://127.0.0.1:6379' });
 * process.exit(result.ok ? 0 : 1);
 */
export async function queueSoak(options: QueueSoakOptions): Promise<QueueSoakResult> {
  const prefix = `rbmkit-soak-${randomUUID().slice(0, 8)}`;
  const stream = `SOAK${prefix.slice(-8).toUpperCase()}`;
  const redis = new Redis(options.redisUrl);
  const port = await freePort();
  const env = {
    QUEUE_URL: options.queueUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_STREAM: stream,
    KEY_PREFIX: prefix,
    ...(options.ackWaitMs === undefined ? {} : { ACK_WAIT_MS: String(options.ackWaitMs) }),
    ...(options.leaseMs === undefined ? {} : { LEASE_MS: String(options.leaseMs) }),
  };
  const how = options.freezeMs === undefined ? 'SIGKILLed (and restarted)' : `SIGSTOPped for ${options.freezeMs / 1000}s, then resumed`;
  const workers: ChildProcess[] = [];
  let ingress: ChildProcess | undefined;
  try {
    console.log(
      `soak (queue mode): ${options.seconds}s at ${options.rate} events/s over ${options.conversations} conversations; ` +
        `1 ingress, ${options.workers} workers, a worker ${how} every ~${options.killEveryMs / 1000}s; ` +
        `ack wait ${options.ackWaitMs ?? 'default'}, lease ${options.leaseMs ?? 'default'}; stream ${stream}`,
    );
    ingress = await startProcess({ ...env, ROLE: 'ingress', PORT: String(port) });
    for (let i = 0; i < options.workers; i += 1) workers.push(await startProcess({ ...env, ROLE: 'worker' }));

    const url = `http://127.0.0.1:${port}/webhook`;
    const accepted: number[][] = Array.from({ length: options.conversations }, () => []);
    const chains: Promise<void>[] = Array.from({ length: options.conversations }, () => Promise.resolve());
    const statuses = new Map<number, number>();
    /** When each event (`phone seq`) was answered 200. */
    const acceptedAt = new Map<string, number>();
    let acceptedCount = 0;

    /** Google's part for one event: redeliver with back-off until answered 200. */
    const send = async (conversation: number, seq: number) => {
      const push = signedPush(payloads.text({ text: String(seq), messageId: `${prefix}-${conversation}-${seq}`, phone: phoneOf(conversation), agentId: 'soak@rbm.goog' }), {
        token: 'SOAKTOKEN',
      });
      for (let delay = 50; ; delay = Math.min(delay * 2, 2_000)) {
        const status = await fetch(url, { method: 'POST', body: push.body, headers: push.headers }).then(
          async (response) => (await response.arrayBuffer(), response.status),
          () => 0,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) break;
        await sleep(delay);
      }
      accepted[conversation]!.push(seq);
      acceptedAt.set(`${phoneOf(conversation)} ${seq}`, Date.now());
      acceptedCount += 1;
    };

    let kills = 0;
    const killTimes: number[] = [];
    const killed = new Set<string>();
    let sending = true;
    const killer = (async () => {
      while (sending) {
        await sleep(options.killEveryMs * (0.5 + Math.random()));
        if (!sending) break;
        const index = Math.floor(Math.random() * workers.length);
        const victim = workers[index]!;
        killed.add(String(victim.pid));
        kills += 1;
        if (options.freezeMs !== undefined) {
          victim.kill('SIGSTOP');
          killTimes.push(Date.now());
          await sleep(options.freezeMs);
          victim.kill('SIGCONT');
          continue;
        }
        await stopProcess(victim, 'SIGKILL');
        killTimes.push(Date.now());
        workers[index] = await startProcess({ ...env, ROLE: 'worker' });
      }
    })();

    const started = Date.now();
    let n = 0;
    while (Date.now() - started < options.seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.rate);
      for (; n < due; n += 1) {
        const conversation = n % options.conversations;
        const seq = Math.floor(n / options.conversations);
        chains[conversation] = chains[conversation]!.then(() => send(conversation, seq));
      }
      await sleep(10);
    }
    await Promise.all(chains);
    const sentAt = Date.now();
    sending = false;
    await killer;

    // Wait until every accepted event was completed by every plugin (or two and a half minutes
    // passed: long ack waits and leases, as with --ack-wait-ms 30000 --lease-ms 60000, take that).
    const expected = acceptedCount * PLUGINS.length;
    let entries: string[] = [];
    for (const end = Date.now() + 150_000; Date.now() < end; await sleep(250)) {
      entries = await redis.lrange(`${prefix}:done`, 0, -1);
      if (new Set(entries.map((entry) => entry.split(' ').slice(0, 3).join(' '))).size >= expected) break;
    }
    const drainMs = Date.now() - sentAt;
    await sleep(2_500); // an ack wait more: a late double completion would show now
    entries = await redis.lrange(`${prefix}:done`, 0, -1);

    const completions = new Map<string, number>();
    const firstPid = new Map<string, string>();
    const order = new Map<string, number[]>();
    /** When the ledger plugin's reply of each event (`phone seq`) first got through. */
    const completedAt = new Map<string, number>();
    for (const entry of entries) {
      const [plugin, phone, seq, pid, at] = entry.split(' ');
      const key = `${plugin} ${phone} ${seq}`;
      if (!firstPid.has(key)) firstPid.set(key, pid!);
      if (plugin === 'ledger' && !completedAt.has(`${phone} ${seq}`)) completedAt.set(`${phone} ${seq}`, Number(at));
      const times = (completions.get(key) ?? 0) + 1;
      completions.set(key, times);
      if (plugin === 'ledger' && times === 1) order.set(phone!, [...(order.get(phone!) ?? []), Number(seq)]);
    }
    let lost = 0;
    let outOfOrder = 0;
    let conversationsOutOfOrder = 0;
    for (const [conversation, seqs] of accepted.entries()) {
      for (const seq of seqs) for (const plugin of PLUGINS) if (!completions.has(`${plugin} ${phoneOf(conversation)} ${seq}`)) lost += 1;
      const handled = order.get(phoneOf(conversation)) ?? [];
      const sent = seqs.filter((seq) => handled.includes(seq));
      const wrong = handled.filter((seq, i) => seq !== sent[i]).length;
      outOfOrder += wrong;
      if (wrong > 0) conversationsOutOfOrder += 1;
    }
    const doubledKeys = [...completions].filter(([, times]) => times > 1).map(([key]) => key);
    const doubled = doubledKeys.length;
    const doubledByKilled = doubledKeys.filter((key) => killed.has(firstPid.get(key)!)).length;
    const stall = stallAfterKills(killTimes, accepted.map((seqs, conversation) => seqs.map((seq) => `${phoneOf(conversation)} ${seq}`)), acceptedAt, completedAt);
    const ignored = Number((await redis.get(`${prefix}:ignored`)) ?? 0);
    const result: QueueSoakResult = {
      generated: n,
      accepted: acceptedCount,
      kills,
      lost,
      doubled,
      doubledByKilled,
      outOfOrder,
      conversationsOutOfOrder,
      handled: entries.length,
      drainMs,
      stall,
      seconds: (sentAt - started) / 1000,
      ok: lost === 0 && doubled === 0 && outOfOrder === 0,
    };
    console.log(`
mode                    queue: 1 ingress, ${options.workers} workers (real processes), NATS JetStream + Redis dedupe
duration                ${result.seconds.toFixed(1)}s sending, then ${(drainMs / 1000).toFixed(1)}s until all handled
events generated        ${n}
events accepted (200)   ${acceptedCount}
answers                 ${[...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}: ${c}`).join(', ')}
${(options.freezeMs === undefined ? 'workers SIGKILLed' : 'workers frozen').padEnd(23)} ${kills} (${options.freezeMs === undefined ? 'each restarted' : `each resumed after ${options.freezeMs / 1000}s`})
stall after a kill      p50 ${stall.p50} ms, p99 ${stall.p99} ms, max ${stall.max} ms (${stall.count} conversations waiting at a kill)
plugin completions      ${entries.length} recorded for ${expected} expected (${PLUGINS.length} plugins x accepted)
lost                    ${lost}
reruns absorbed         ${ignored} replies resent with their first run's id after a kill, ignored as Google does
double-handled          ${doubled}${doubled > 0 ? ` (${doubledByKilled} first sent by a worker then SIGKILLed; e.g. ${doubledKeys.slice(0, 3).join(', ')})` : ''}
out of order            ${outOfOrder} events in ${conversationsOutOfOrder} conversations
`);
    console.log(result.ok ? 'soak: PASS' : 'soak: FAIL');
    return result;
  } finally {
    await Promise.all(workers.map((worker) => stopProcess(worker)));
    if (ingress !== undefined) await stopProcess(ingress);
    const admin = new NatsQueue({ url: options.queueUrl, stream });
    await admin.destroy().catch(() => undefined);
    await admin.close();
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
}

/**
 * How long conversations stalled after each kill: for every kill and every conversation with
 * an event accepted before it and not yet completed, the ms from the kill to that
 * conversation's next completion (the conversations on the dead worker's partitions wait for
 * the broker's redelivery; the others barely notice). p50, p99 and max over all of them.
 *
 * @example
 * stallAfterKills([1_000], [['+1 0']], new Map([['+1 0', 900]]), new Map([['+1 0', 4_000]])); // { count: 1, p50: 3000, p99: 3000, max: 3000 }
 */
export function stallAfterKills(
  killTimes: readonly number[],
  events: readonly (readonly string[])[],
  acceptedAt: ReadonlyMap<string, number>,
  completedAt: ReadonlyMap<string, number>,
): QueueSoakResult['stall'] {
  const stalls: number[] = [];
  for (const kill of killTimes) {
    for (const conversation of events) {
      const waiting = conversation.some((event) => (acceptedAt.get(event) ?? Infinity) <= kill && (completedAt.get(event) ?? Infinity) > kill);
      if (!waiting) continue;
      const next = Math.min(...conversation.map((event) => completedAt.get(event) ?? Infinity).filter((at) => at > kill));
      if (Number.isFinite(next)) stalls.push(next - kill);
    }
  }
  stalls.sort((a, b) => a - b);
  const at = (q: number) => (stalls.length === 0 ? 0 : stalls[Math.min(stalls.length - 1, Math.floor(q * stalls.length))]!);
  return { count: stalls.length, p50: at(0.5), p99: at(0.99), max: stalls.at(-1) ?? 0 };
}
