import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { definePlugin, RedisDedupeStore, RedisSessionStore, type PluginSpec } from 'rbmkit';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { OwnRedis } from '../helpers/redis-server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'REDISTOKEN000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two bots, as two processes behind one load balancer, sharing one Redis under a fresh prefix. */
async function twoBots(plugins: readonly PluginSpec[], url = REDIS_URL) {
  const prefix = `rbmkit-test:${randomUUID()}:`;
  const make = () =>
    startTestBot({
      partner: { clientToken: TOKEN, plugins },
      dedupe: new RedisDedupeStore({ url, prefix: `${prefix}dedupe:` }),
      sessions: new RedisSessionStore({ url, prefix: `${prefix}session:` }),
    });
  return [await make(), await make()] as const;
}

describe('Redis: several processes behave as one', function () {
  this.timeout(30_000);
  const open: TestBot[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('a duplicate reaching the other process is not dispatched again', async () => {
    let runs = 0;
    const counter = definePlugin({ name: 'counter', setup: (a) => void a.on('text', () => void (runs += 1)) });
    const [a, b] = await twoBots([counter]);
    open.push(a, b);
    const payload = payloads.text({ text: 'x' });
    expect((await a.push(payload)).body).to.deep.equal({ status: 'handled' });
    expect(await b.push(payload)).to.deep.include({ status: 200, body: { status: 'duplicate' } });
    expect(runs).to.equal(1);
  });

  it('an event in flight in one process is not dispatched by the other (503, then a duplicate)', async () => {
    let runs = 0;
    const slow = definePlugin({ name: 'slow', setup: (a) => void a.on('text', async () => { runs += 1; await sleep(300); }) });
    const [a, b] = await twoBots([slow]);
    open.push(a, b);
    const payload = payloads.text({ text: 'x' });
    const first = a.push(payload);
    await sleep(50);
    const second = await b.push(payload);
    expect(second.status).to.equal(503);
    expect(second.body).to.have.property('error', 'in_flight');
    expect((await first).status).to.equal(200);
    expect((await b.push(payload)).body).to.deep.equal({ status: 'duplicate' });
    expect(runs).to.equal(1);
  });

  it('a redelivery to the other process reruns only the plugin that failed', async () => {
    const ran: string[] = [];
    let failOnce = true;
    const steady = definePlugin({ name: 'steady', setup: (a) => void a.on('text', () => void ran.push('steady')) });
    const flaky = definePlugin({
      name: 'flaky',
      setup: (a) =>
        void a.on('text', () => {
          ran.push('flaky');
          if (failOnce) {
            failOnce = false;
            throw new Error('once');
          }
        }),
    });
    const [a, b] = await twoBots([steady, flaky]);
    open.push(a, b);
    const payload = payloads.text({ text: 'x' });
    expect((await a.push(payload)).status).to.equal(500);
    expect((await b.push(payload)).status).to.equal(200);
    expect(ran).to.deep.equal(['steady', 'flaky', 'flaky']);
  });

  it('keeps conversation state where every process sees it', async () => {
    const visits = definePlugin({
      name: 'visits',
      setup: (a) =>
        void a.on('text', async (_e, ctx) => {
          const count = ((await ctx.session.get<number>()) ?? 0) + 1;
          await ctx.session.set(count);
          await ctx.reply(`visit ${count}`);
        }),
    });
    const [a, b] = await twoBots([visits]);
    open.push(a, b);
    await a.push(payloads.text({ text: '1', phone: '+15550000001' }));
    await b.push(payloads.text({ text: '2', phone: '+15550000001' }));
    await b.push(payloads.text({ text: '1', phone: '+15550000002' }));
    expect([...a.texts(), ...b.texts()]).to.deep.equal(['visit 1', 'visit 2', 'visit 1']);
  });
});

describe('Redis outages', function () {
  this.timeout(40_000);

  it('Redis restarted mid-test: 503 with a clear error while down, readiness fails, then back to normal', async () => {
    const redis = await OwnRedis.start();
    let runs = 0;
    const counter = definePlugin({ name: 'counter', setup: (a) => void a.on('text', () => void (runs += 1)) });
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [counter] }, dedupe: new RedisDedupeStore({ url: redis.url }) });
    try {
      expect((await t.push(payloads.text({ text: 'before' }))).status).to.equal(200);
      await redis.stop();
      const during = await t.push(payloads.text({ text: 'during' }));
      expect(during.status).to.equal(503);
      expect(during.body).to.have.property('error', 'store_unavailable');
      expect((during.body as { message: string }).message).to.match(/^Redis at 127\.0\.0\.1:\d+ failed to claim an event: .+; expected a redelivery once the store is back$/);
      expect((await fetch(`${t.url}/readyz`)).status).to.equal(503);
      expect(runs).to.equal(1);

      await redis.restart();
      const end = Date.now() + 15_000;
      let after = await t.push(payloads.text({ text: 'after' }));
      while (after.status !== 200 && Date.now() < end) {
        await sleep(200);
        after = await t.push(payloads.text({ text: 'after' }));
      }
      expect(after.status).to.equal(200);
      expect((await fetch(`${t.url}/readyz`)).status).to.equal(200);
      expect(runs).to.equal(2);
    } finally {
      await t.close();
      await redis.stop();
    }
  });

  it('Redis unreachable from the start: every push gets 503 store_unavailable, nothing is dispatched', async () => {
    const redis = await OwnRedis.start();
    await redis.stop();
    let runs = 0;
    const counter = definePlugin({ name: 'counter', setup: (a) => void a.on('text', () => void (runs += 1)) });
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [counter] }, dedupe: new RedisDedupeStore({ url: redis.url }) });
    try {
      for (let i = 0; i < 3; i += 1) {
        const answer = await t.push(payloads.text({ text: 'x' }));
        expect(answer.status).to.equal(503);
        expect(answer.body).to.have.property('error', 'store_unavailable');
      }
      expect(runs).to.equal(0);
    } finally {
      await t.close();
    }
  });
});
