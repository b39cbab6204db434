import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { definePlugin, RedisDedupeStore } from 'rbmkit';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { redisPersistence } from '../../core/stores/redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'REDISHARDEN00001';

/** A logger collecting warnings. */
function warnings() {
  const lines: string[] = [];
  return { lines, logger: { warn: (message: string) => void lines.push(message) } };
}

describe('hardening: Redis dedupe store', function () {
  this.timeout(30_000);
  const prefix = () => `rbmkit-test:${randomUUID()}:`;

  it('detects a Redis that keeps nothing on disk and warns loudly (the test Redis keeps nothing)', async () => {
    const redis = new Redis(REDIS_URL);
    const persistence = await redisPersistence(redis);
    redis.disconnect();
    const { lines, logger } = warnings();
    const store = new RedisDedupeStore({ url: REDIS_URL, prefix: prefix(), logger });
    try {
      await store.open();
      expect(store.persistence).to.equal(persistence);
      if (persistence === 'none') expect(lines.join('\n')).to.match(/KEEPS NOTHING ON DISK.*allowVolatile/s);
      else expect(lines).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });

  it('with CONFIG refused (managed Redis), warns that it could not check', async () => {
    const redis = new Redis(REDIS_URL);
    await redis.ping();
    // Stand-in for a managed Redis refusing CONFIG and INFO.
    redis.config = (async () => {
      throw new Error("NOPERM this user has no permissions to run the 'config' command");
    }) as never;
    redis.info = (async () => {
      throw new Error('NOPERM');
    }) as never;
    const { lines, logger } = warnings();
    const store = new RedisDedupeStore({ redis, prefix: prefix(), logger });
    try {
      await store.open();
      expect(store.persistence).to.equal('unknown');
      expect(lines.join('\n')).to.match(/could not check/);
    } finally {
      redis.disconnect();
    }
  });

  it('in production, refuses a Redis keeping nothing on disk unless allowVolatile', async function () {
    const probe = new Redis(REDIS_URL);
    const persistence = await redisPersistence(probe);
    probe.disconnect();
    if (persistence !== 'none') this.skip();
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    const { logger } = warnings();
    const refusing = new RedisDedupeStore({ url: REDIS_URL, prefix: prefix(), logger });
    const allowed = new RedisDedupeStore({ url: REDIS_URL, prefix: prefix(), logger, allowVolatile: true });
    try {
      const error = await refusing.open().then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/refusing to serve in production.*allowVolatile: true/s);
      // Every claim fails too: pushes get 503, never a dispatch a restart would forget.
      expect(await refusing.claim('k').then(() => 'claimed', (e: Error) => e.name)).to.equal('StoreUnavailableError');
      expect(await refusing.ping().then(() => 'ok', () => 'refused')).to.equal('refused');
      await allowed.open();
      expect((await allowed.claim('k')).busy).to.equal(false);
      await allowed.release('k');
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
      await refusing.close();
      await allowed.close();
    }
  });

  describe('an already completed event at two processes at once', () => {
    const open: TestBot[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    it('is answered 200 duplicate by both, never 503', async () => {
      let runs = 0;
      const counter = definePlugin({ name: 'counter', setup: (a) => void a.on('text', () => void (runs += 1)) });
      const shared = prefix();
      const make = () =>
        startTestBot({ partner: { clientToken: TOKEN, plugins: [counter] }, dedupe: new RedisDedupeStore({ url: REDIS_URL, prefix: shared, logger: { warn: () => undefined } }) });
      const a = await make();
      const b = await make();
      open.push(a, b);
      for (let round = 0; round < 20; round += 1) {
        const payload = payloads.text({ text: `x${round}` });
        expect((await a.push(payload)).body).to.deep.equal({ status: 'handled' });
        const answers = await Promise.all([a.push(payload), b.push(payload), a.push(payload), b.push(payload)]);
        for (const answer of answers) expect(answer, JSON.stringify(answer.body)).to.deep.include({ status: 200, body: { status: 'duplicate' } });
      }
      expect(runs).to.equal(20);
    });
  });
});
