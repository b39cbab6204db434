// What the Redis dedupe store sends per event: an exclusive claim (a queue worker's) takes no
// lease, and the completions of one event in one tick go out as one command.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisDedupeStore, type RedisClient } from 'rbmkit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The test Redis keeps nothing on disk: its warning is not what these tests look at. */
const logger = { warn: () => undefined };

/** An ioredis client that counts the scripts it sends. */
function countingClient(): { redis: Redis; client: RedisClient; scripts: () => number } {
  const redis = new Redis(REDIS_URL);
  let scripts = 0;
  const client = new Proxy(redis, {
    get(target, property, receiver) {
      if (property === 'eval') return (...args: Parameters<Redis['eval']>) => ((scripts += 1), target.eval(...args));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as RedisClient;
  return { redis, client, scripts: () => scripts };
}

describe('Redis dedupe store: commands per event', function () {
  this.timeout(10_000);
  let prefix: string;
  let counted: ReturnType<typeof countingClient>;
  let store: RedisDedupeStore;

  beforeEach(async () => {
    prefix = `rbmkit-test:${randomUUID()}:`;
    counted = countingClient();
    store = new RedisDedupeStore({ redis: counted.client, prefix, logger });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    counted.redis.disconnect();
  });

  it('an exclusive claim takes no lease: never busy, attempts counted, nothing to release', async () => {
    const other = new RedisDedupeStore({ url: REDIS_URL, prefix, logger });
    await other.open();
    try {
      // A lease left by an earlier holder (a worker that crashed) is not waited out.
      expect((await other.claim('event-1')).busy).to.equal(false);
      const before = counted.scripts();
      const first = await store.claim('event-1', { exclusive: true });
      expect(first).to.deep.include({ busy: false, attempt: 2 });
      await store.release('event-1');
      expect(counted.scripts() - before, 'one claim, no release').to.equal(1);
      const again = await store.claim('event-1', { exclusive: true });
      expect(again.attempt).to.equal(3);
      expect(await counted.redis.keys(`${prefix}*event-1*lease`)).to.have.length(1, 'only the other store took a lease');
    } finally {
      await other.close();
    }
  });

  it('a plain claim still takes a lease, and answers busy to a second plain claim', async () => {
    await store.claim('event-2');
    const other = new RedisDedupeStore({ url: REDIS_URL, prefix, busyWaitMs: 0, logger });
    await other.open();
    try {
      expect((await other.claim('event-2')).busy).to.equal(true);
      await store.release('event-2');
      expect((await other.claim('event-2')).busy).to.equal(false);
    } finally {
      await other.close();
    }
  });

  it('completions of one event in one tick are one command, and all recorded', async () => {
    await store.claim('event-3', { exclusive: true });
    const before = counted.scripts();
    await Promise.all([store.complete('event-3', 'claim:echo'), store.complete('event-3', 'echo'), store.complete('event-4', 'echo')]);
    expect(counted.scripts() - before, 'one per event').to.equal(2);
    await store.complete('event-3', 'logger');
    expect(counted.scripts() - before, 'a later tick sends its own').to.equal(3);
    expect([...(await store.claim('event-3', { exclusive: true })).completed].sort()).to.deep.equal(['claim:echo', 'echo', 'logger']);
    expect([...(await store.claim('event-4', { exclusive: true })).completed]).to.deep.equal(['echo']);
  });

  it('a failed batch rejects every completion in it', async () => {
    counted.redis.disconnect();
    const results = await Promise.allSettled([store.complete('event-5', 'a'), store.complete('event-5', 'b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).to.match(/record a completed plugin/);
  });
});
