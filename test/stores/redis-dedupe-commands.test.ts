// What the Redis dedupe store sends per event: the completions of one event recorded one after
// another go out as one command.
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

  it('an event handled by two plugins at once costs three commands: claim, its completions, release', async () => {
    const before = counted.scripts();
    expect((await store.claim('event-1')).busy).to.equal(false);
    // As the dispatcher records a claiming plugin: its claim marker, then the plugin itself.
    await Promise.all([store.complete('event-1', 'claim:echo'), store.complete('event-1', 'echo')]);
    await store.release('event-1');
    expect(counted.scripts() - before).to.equal(3);
    expect([...(await store.claim('event-1')).completed].sort()).to.deep.equal(['claim:echo', 'echo']);
  });

  it('completions of one event in one tick are one command, and all recorded', async () => {
    await store.claim('event-3');
    const before = counted.scripts();
    await Promise.all([store.complete('event-3', 'claim:echo'), store.complete('event-3', 'echo'), store.complete('event-4', 'echo')]);
    expect(counted.scripts() - before, 'one per event').to.equal(2);
    await store.complete('event-3', 'logger');
    expect(counted.scripts() - before, 'a later tick sends its own').to.equal(3);
    await store.release('event-3');
    expect([...(await store.claim('event-3')).completed].sort()).to.deep.equal(['claim:echo', 'echo', 'logger']);
    expect([...(await store.claim('event-4')).completed]).to.deep.equal(['echo']);
  });

  it('a completion asked for once its batch has left goes in a command of its own, and both are recorded', async () => {
    const before = counted.scripts();
    const first = store.complete('event-6', 'a');
    await Promise.resolve();
    await Promise.resolve();
    const second = store.complete('event-6', 'b');
    await Promise.all([first, second]);
    expect(counted.scripts() - before).to.equal(2);
    expect([...(await store.claim('event-6')).completed].sort()).to.deep.equal(['a', 'b']);
  });

  it('a failed batch rejects every completion in it', async () => {
    counted.redis.disconnect();
    const results = await Promise.allSettled([store.complete('event-5', 'a'), store.complete('event-5', 'b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).to.match(/record a completed plugin/);
  });
});
