import { expect } from 'chai';
import { ConfigError, createBot, definePlugin, HttpRbmClient, messages, staticToken } from 'rbmkit';
import { FakeRbmApi, payloads, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'AGENTCLIENTTOKEN';
const SHOP = 'shop@rbm.goog';
const CAFE = 'cafe@rbm.goog';
const USER = '+12223334444';

/** Replies with ctx.reply, then sends with agent.client: both must use the agent's client. */
const both = definePlugin({
  name: 'both',
  setup(agent) {
    agent.on('text', async (event, ctx) => {
      await ctx.reply(`reply to ${event.text}`);
      await agent.client.sendMessage({ agentId: agent.id, phone: event.phone, message: messages.text(`proactive to ${event.text}`) });
    });
  },
});

/** The value of a Prometheus counter with these labels, 0 when absent. */
async function counter(t: TestBot, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('a client per agent: each agent\'s calls go through its own client', () => {
  let shopApi: FakeRbmApi;
  let t: TestBot | undefined;
  beforeEach(async () => {
    // Shop's own Google Cloud project: its fake refuses any token but shop's.
    shopApi = await FakeRbmApi.start({ token: 'shop-project-token' });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await shopApi.close();
  });

  it('in code: ctx.reply, agent.client and the metrics use the agent\'s client; other agents the bot\'s', async () => {
    const shopClient = new HttpRbmClient({ baseUrl: shopApi.url, auth: staticToken('shop-project-token') });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [both] }, agents: { [SHOP]: { client: shopClient } } }, { fakeApi: true });
    await t.push(payloads.text({ text: 'one', agentId: SHOP, phone: USER }));
    await t.push(payloads.text({ text: 'two', agentId: CAFE, phone: USER }));
    expect(shopApi.messages.map((m) => [m.agentId, m.message.contentMessage.text])).to.deep.equal([
      [SHOP, 'reply to one'],
      [SHOP, 'proactive to one'],
    ]);
    expect(shopApi.requests.every((r) => r.headers.authorization === 'Bearer shop-project-token' && r.status === 200)).to.equal(true);
    expect(t.api!.messages.map((m) => [m.agentId, m.message.contentMessage.text])).to.deep.equal([
      [CAFE, 'reply to two'],
      [CAFE, 'proactive to two'],
    ]);
    // Both clients' calls are counted.
    expect(await counter(t, 'rbmkit_rbm_api_calls_total', 'method="POST",status="200"')).to.equal(4);
  });

  it('as settings: the bot builds the agent\'s HttpRbmClient (endpoint, credentials, rate limits) and counts its waits', async () => {
    const paced = definePlugin({
      name: 'paced',
      setup(agent) {
        agent.on('text', async (_event, ctx) => {
          await ctx.reply('first');
          await ctx.reply('second');
        });
      },
    });
    const cafeApi = await FakeRbmApi.start();
    try {
      t = await startTestBot({
        partner: { clientToken: TOKEN, plugins: [paced] },
        agents: {
          [CAFE]: {
            client: { baseUrl: cafeApi.url, credentials: 'none', trafficType: 'TRANSACTION', rateLimits: { messages: { calls: 2, perMs: 60_000, burst: 1 }, maxWaitMs: 0 } },
          },
        },
      });
      const answer = await t.push(payloads.text({ text: 'hi', agentId: CAFE, phone: USER }));
      // The second reply would wait a minute for its turn: refused at once, retryable (500: Google redelivers).
      expect(answer.status).to.equal(500);
      expect(answer.failures.map((f) => [f.plugin, f.error.name, (f.error as { reason?: string }).reason])).to.deep.equal([['paced', 'RbmRateLimitError', 'CLIENT_RATE_LIMIT']]);
      expect(cafeApi.messages.map((m) => m.message)).to.deep.equal([{ contentMessage: { text: 'first' }, messageTrafficType: 'TRANSACTION' }]);
      expect(cafeApi.requests[0]!.headers.authorization).to.equal(undefined);
      expect(t.client.sent).to.deep.equal([]);
      expect(await counter(t, 'rbmkit_rbm_api_rate_limited_total', 'kind="messages",outcome="refused"')).to.equal(1);
    } finally {
      await cafeApi.close();
    }
  });

  it('a reply waiting its turn stops when the handler runs out of time, and is never sent', async () => {
    const patient = definePlugin({
      name: 'patient',
      setup(agent) {
        agent.on('text', async (_event, ctx) => {
          await ctx.reply('first');
          await ctx.reply('second, a minute later');
        });
      },
    });
    const cafeApi = await FakeRbmApi.start();
    try {
      t = await startTestBot({
        handlerTimeoutMs: 300,
        partner: { clientToken: TOKEN, plugins: [patient] },
        agents: { [CAFE]: { client: { baseUrl: cafeApi.url, credentials: 'none', rateLimits: { messages: { calls: 2, perMs: 60_000, burst: 1 }, maxWaitMs: 120_000 } } } },
      });
      const answer = await t.push(payloads.text({ text: 'hi', agentId: CAFE, phone: USER }));
      expect(answer.failures.map((f) => f.error.name)).to.deep.equal(['HandlerTimeoutError']);
      expect(await counter(t, 'rbmkit_rbm_api_rate_limited_total', 'kind="messages",outcome="aborted"')).to.equal(1);
      expect(cafeApi.texts()).to.deep.equal(['first']);
    } finally {
      await cafeApi.close();
    }
  });

  it('bot.agents.set gives a running agent its own client from its next event; remove gives it back the bot\'s', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [both] } }, { fakeApi: true });
    await t.push(payloads.text({ text: 'before', agentId: SHOP, phone: USER }));
    t.bot.agents.set(SHOP, { client: new HttpRbmClient({ baseUrl: shopApi.url, auth: staticToken('shop-project-token') }) });
    await t.push(payloads.text({ text: 'during', agentId: SHOP, phone: USER }));
    t.bot.agents.remove(SHOP);
    await t.push(payloads.text({ text: 'after', agentId: SHOP, phone: USER }));
    expect(t.api!.texts()).to.deep.equal(['reply to before', 'proactive to before', 'reply to after', 'proactive to after']);
    expect(shopApi.texts()).to.deep.equal(['reply to during', 'proactive to during']);
  });

  it('refuses a client setting that cannot work, naming the field', async () => {
    let error: Error | undefined;
    try {
      t = await startTestBot({ partner: { clientToken: TOKEN }, agents: { [SHOP]: { client: { region: 'mars' as 'us', rateLimits: { messages: { calls: 5, perMs: 1_000, burst: 5 } } } } } });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).to.equal('ConfigError');
    expect(error?.message).to.include('agents.shop@rbm.goog.client: region: expected "us", "europe" or "asia"');
  });

  it('refuses client settings for an agent whose webhook speaks Business Messages (they build an RBM client)', () => {
    const agent = 'brands/cafe/agents/front';
    const config = { agents: { [agent]: { webhook: { path: '/front', clientToken: 'FRONTTOKEN000001', dialect: 'business-messages' as const }, client: { region: 'us' as const } } } };
    expect(() => createBot({ ...config, logger: false })).to.throw(ConfigError, `agents.${agent}.client: client settings build an RBM API client, but this agent's webhook speaks Business Messages`);
  });
});
