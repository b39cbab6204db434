import { createServer } from 'node:http';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { describeAdapterContract } from './adapter-contract.js';
import { listenOnLoopback } from './listen.js';

describe("Koa: bot.middleware() in a user's own Koa app (real HTTP)", () => {
  describeAdapterContract(
    'under a prefix, after the app has read the body with its own koa-bodyparser and router',
    async (bot) => {
      const app = new Koa();
      app.use(bodyParser({ jsonLimit: '5mb' }));
      const router = new Router();
      router.get('/own', (ctx) => void (ctx.body = { own: true }));
      app.use(router.routes());
      app.use(bot.middleware({ prefix: '/rbm' }));
      const mounted = await listenOnLoopback(createServer(app.callback()));
      return { base: `${mounted.base}/rbm`, close: mounted.close };
    },
    { businessMessages: true, hostParsesJson: true },
  );

  describeAdapterContract('under a prefix, reading the body itself', async (bot) => {
    const app = new Koa();
    app.use(bot.middleware({ prefix: '/rbm/' }));
    app.use((ctx) => void (ctx.body = { own: true }));
    const mounted = await listenOnLoopback(createServer(app.callback()));
    return { base: `${mounted.base}/rbm`, close: mounted.close };
  });

  it("charges the body memory budget at the bot's route (503 JSON past it), and never holds up the app's own routes", async () => {
    const { createBot } = await import('rbmkit');
    const slowStore = { async get() {}, async set() {}, async delete() {}, open: () => new Promise<void>((resolve) => setTimeout(resolve, 1_500)) };
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' }, bodyBudgetBytes: 2_000, sessions: slowStore });
    const app = new Koa();
    app.use(bot.middleware({ prefix: '/rbm' }));
    app.use((ctx) => void (ctx.body = { own: true }));
    const mounted = await listenOnLoopback(createServer(app.callback()));
    try {
      const started = Date.now();
      expect(await (await fetch(`${mounted.base}/own`)).json()).to.deep.equal({ own: true });
      expect(Date.now() - started, 'the host route waited for the bot to connect its stores').to.be.below(1_000);
      // 600 bytes cost 4 times that while read: over a 2,000-byte budget.
      const big = await fetch(`${mounted.base}/rbm/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-signature': 'c2ln' }, body: `{"message":{"data":"${'A'.repeat(570)}"}}` });
      expect(big.status).to.equal(503);
      expect(await big.json()).to.deep.include({ error: 'overloaded' });
      const handshake = await fetch(`${mounted.base}/rbm/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"clientToken":"SJENCPGJESMGUFPY","secret":"ok"}' });
      expect(await handshake.text()).to.equal('ok');
    } finally {
      await mounted.close();
      await bot.close();
    }
  });

  it('refuses a prefix that is not a path', async () => {
    const { createBot } = await import('rbmkit');
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' } });
    expect(() => bot.middleware({ prefix: 'rbm' })).to.throw(/prefix: expected a path starting with "\/", got "rbm"/);
    await bot.close();
  });
  it("tells the host app which route served a push (ctx._matchedRoute), as @koa/router would", async () => {
    const { createBot } = await import('rbmkit');
    const { payloads, post, signedPush } = await import('rbmkit/testing');
    const token = 'MATCHEDROUTE0001';
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: token, plugins: [] } });
    const app = new Koa();
    const matched: Array<string | undefined> = [];
    app.use(async (ctx, next) => {
      await next();
      matched.push((ctx as { _matchedRoute?: string })._matchedRoute);
    });
    app.use(bot.middleware({ prefix: '/rbm' }));
    const mounted = await listenOnLoopback(createServer(app.callback()));
    try {
      for (const path of ['/rbm/webhook', '/rbm/webhook/']) {
        const answer = await post(mounted.base + path, signedPush(payloads.text({ text: path }), { token }));
        expect(answer.status, path).to.equal(200);
      }
      expect(matched).to.deep.equal(['/rbm/webhook', '/rbm/webhook']);
    } finally {
      await mounted.close();
      await bot.close();
    }
  });
});
