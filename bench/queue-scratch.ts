// A fresh NATS stream and Redis prefix for one queue-mode measurement, and the bench servers
// that run on them.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { NatsQueue } from 'rbmkit';
import { deleteKeysUnder } from '../test/helpers/redis-keys.js';

/** One measurement's stream and Redis keys: the env its servers get, an admin queue, and `remove` to delete both. */
export interface QueueScratch {
  readonly env: { QUEUE_URL: string; QUEUE_STREAM: string; REDIS_URL: string; KEY_PREFIX: string };
  readonly admin: NatsQueue;
  remove(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh stream and Redis prefix, named at random so runs never share records or keys.
 *
 * @example
 * const place = queueScratch('nats://127.0.0.1:4222', 'redis://127.0.0.1:6379');
 * try { ... } finally { await place.remove(); }
 */
export function queueScratch(queueUrl: string, redisUrl: string): QueueScratch {
  const id = randomUUID().slice(0, 8);
  const stream = `BENCH${id.toUpperCase()}`;
  const prefix = `rbmkit-bench-${id}`;
  const admin = new NatsQueue({ url: queueUrl, stream });
  return {
    env: { QUEUE_URL: queueUrl, QUEUE_STREAM: stream, REDIS_URL: redisUrl, KEY_PREFIX: prefix },
    admin,
    async remove(): Promise<void> {
      await admin.destroy().catch(() => undefined);
      await admin.close();
      const redis = new Redis(redisUrl);
      await deleteKeysUnder(redis, prefix);
      redis.disconnect();
    },
  };
}

/**
 * Records waiting in the scratch stream (a work queue: acked records leave it).
 *
 * @example
 * const backlog = await waitingIn(place);
 */
export async function waitingIn(place: QueueScratch): Promise<number> {
  const jsm = await place.admin.manager();
  return (await jsm.streams.info(place.env.QUEUE_STREAM)).state.messages;
}

/**
 * Waits until the stream holds no record (every one acked), for `ms` at most; false when it
 * did not empty in time.
 *
 * @example
 * if (!(await streamEmptied(place, 30_000))) throw new Error('expected the worker to keep up');
 */
export async function streamEmptied(place: QueueScratch, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while ((await waitingIn(place)) > 0) {
    if (performance.now() > end) return false;
    await sleep(50);
  }
  return true;
}

/**
 * The path of a bench server: this checkout's, or `checkout`'s (a built checkout of another
 * commit, whose servers then run its own dist/).
 *
 * @example
 * await startServer(benchServer('rbmkit-queue.ts', options.checkout), 0, place.env);
 */
export function benchServer(name: 'rbmkit-echo.ts' | 'rbmkit-queue.ts', checkout: string | undefined): string {
  return join(checkout ?? '.', 'bench/servers', name);
}
