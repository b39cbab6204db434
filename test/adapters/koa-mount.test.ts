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

  it('refuses a prefix that is not a path', async () => {
    const { createBot } = await import('rbmkit');
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' } });
    expect(() => bot.middleware({ prefix: 'rbm' })).to.throw(/prefix: expected a path starting with "\/", got "rbm"/);
    await bot.close();
  });
});
