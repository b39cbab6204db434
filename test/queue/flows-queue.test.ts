// A flow across queue workers (NATS JetStream 127.0.0.1:4222, Redis 127.0.0.1:6379): each
// turn is handled by whichever worker pulls it, the flow's record in the Redis session store.
// Worker A handles the start and is stopped; worker B, which never saw the flow, goes on.
import { expect } from 'chai';
import { createBot, MemoryRbmClient, RedisDedupeStore, RedisSessionStore, type Bot, type BotConfig } from 'rbmkit';
import { defineFlow, echo, flows } from 'rbmkit/plugins';
import { payloads, post, signedPush } from 'rbmkit/testing';
import { AGENT, QueueRun, TOKEN } from './queue-kit.js';

const PHONE = '+15550002001';

const order = defineFlow('order', { start: { words: ['order'] } })
  .choose('size', 'Which size?', ['Small', 'Large'])
  .ask('count', 'How many?', (text) => Number(text))
  .done((v, ctx) => ctx.reply(`${v.count} x ${v.size}: ordered.`));

describe('a flow across queue workers (NATS JetStream, Redis)', function () {
  this.timeout(60_000);
  const run = new QueueRun();
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let url = '';

  const config = (client: MemoryRbmClient): BotConfig => ({
    logger: false,
    client,
    partner: { clientToken: TOKEN, plugins: [flows.with({ flows: [order] }), echo.with({ markRead: false })] },
    sessions: new RedisSessionStore({ url: redis, prefix: `${run.prefix}:session:` }),
    dedupe: new RedisDedupeStore({ url: redis, prefix: `${run.prefix}:dedupe:`, allowVolatile: true }),
    queue: run.queue(),
  });
  const worker = async (client: MemoryRbmClient): Promise<Bot> => {
    const bot = createBot(config(client));
    run.bots.push(bot);
    await bot.work();
    return bot;
  };
  const push = (data: object) => post(url, signedPush(data, { token: TOKEN }));

  before(async () => {
    const ingress = createBot(config(new MemoryRbmClient()));
    run.bots.push(ingress);
    url = `${(await ingress.listen(0, '127.0.0.1')).url}/webhook`;
  });
  after(() => run.cleanUp());

  it('worker B goes on at the step worker A asked; each answer once', async () => {
    const a = new MemoryRbmClient();
    const b = new MemoryRbmClient();
    const workerA = await worker(a);
    expect((await push(payloads.text({ agentId: AGENT, phone: PHONE, text: 'order' }))).status).to.equal(200);
    expect(await run.until(async () => a.texts(), (texts) => texts.length >= 1)).to.deep.equal(['Which size?']);
    await workerA.close();

    await worker(b);
    const tap = payloads.suggestion({ agentId: AGENT, phone: PHONE, text: 'Large', postbackData: 'flow:order:size:1' });
    await push(tap);
    await run.until(async () => b.texts(), (texts) => texts.length >= 1);
    // Google redelivering the tap: no second answer.
    await push(tap);
    await push(payloads.text({ agentId: AGENT, phone: PHONE, text: '3' }));
    expect(await run.until(async () => b.texts(), (texts) => texts.length >= 2)).to.deep.equal(['How many?', '3 x Large: ordered.']);
    expect(a.texts()).to.deep.equal(['Which size?']);
  });
});
