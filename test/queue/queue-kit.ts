// Shared setup of the queue tests: a unique stream and Redis prefix per run, an in-process
// ingress, worker processes, and readers of what the workers recorded.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createBot, NatsQueue, type Bot, type PluginSpec } from 'rbmkit';
import { payloads, post, signedPush } from 'rbmkit/testing';
import { runTs, type Running } from '../helpers/processes.js';
import { deleteKeysUnder } from '../helpers/redis-keys.js';

export const TOKEN = 'QUEUETOKEN';
export const AGENT = 'queue-test@rbm.goog';

/** One test run's broker names and Redis keys, and what it started; `cleanUp` removes them all. */
export class QueueRun {
  readonly prefix = `rbmkit-test-${randomUUID().slice(0, 8)}`;
  readonly stream = `T${this.prefix.slice(-8).toUpperCase()}`;
  readonly redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  readonly workers: Running[] = [];
  readonly queues: NatsQueue[] = [];
  readonly bots: Bot[] = [];

  queue(options: ConstructorParameters<typeof NatsQueue>[0] = {}): NatsQueue {
    const queue = new NatsQueue({ stream: this.stream, partitions: 4, ackWaitMs: 2_000, pullExpiresMs: 1_000, ...options });
    this.queues.push(queue);
    return queue;
  }

  /** An ingress-only bot on a free port, publishing to `queue`. */
  async ingress(queue: NatsQueue, plugins: PluginSpec[] = []): Promise<{ bot: Bot; url: string }> {
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN, plugins }, queue });
    this.bots.push(bot);
    const { url } = await bot.listen(0, '127.0.0.1');
    return { bot, url: `${url}/webhook` };
  }

  async worker(env: Record<string, string> = {}): Promise<Running> {
    const worker = runTs('test/fixtures/queue/worker.ts', [], { KEY_PREFIX: this.prefix, QUEUE_STREAM: this.stream, ...env });
    this.workers.push(worker);
    await worker.waitFor(/worker ready/, 20_000);
    return worker;
  }

  /** Entries `phone|n|pid` a list holds. */
  async list(name: 'done' | 'started' | 'second'): Promise<string[]> {
    return this.redis.lrange(`${this.prefix}:${name}`, 0, -1);
  }

  /** The `n`s completed for `phone`, in completion order. */
  async doneFor(phone: string): Promise<string[]> {
    return (await this.list('done')).filter((entry) => entry.startsWith(`${phone}|`)).map((entry) => entry.split('|')[1]!);
  }

  async until<T>(what: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await what();
      if (ok(value)) return value;
      if (Date.now() > end) throw new Error(`timed out waiting; last value: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.workers.map((worker) => (worker.child.exitCode === null ? (worker.child.kill('SIGKILL'), worker.exited()) : undefined)));
    for (const bot of this.bots) await bot.close();
    const admin = this.queue();
    await admin.destroy();
    await admin.close();
    await deleteKeysUnder(this.redis, this.prefix);
    this.redis.disconnect();
  }
}

/** POSTs a signed text push for `phone` to `url`. */
export function sendText(url: string, phone: string, text: string, messageId = randomUUID()) {
  return post(url, signedPush(payloads.text({ agentId: AGENT, phone, text, messageId }), { token: TOKEN }));
}
