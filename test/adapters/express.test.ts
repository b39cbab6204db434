import { createServer } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { expressHandler, keepRawBody } from 'rbmkit/adapters';
import { describeAdapterContract } from './adapter-contract.js';
import { listenOnLoopback } from './listen.js';

describe('Express adapter (express 5, real HTTP)', () => {
  describeAdapterContract(
    'mounted before the app parses JSON',
    async (bot) => {
      const app = express();
      app.post('/webhook', expressHandler(bot));
      app.use(express.json());
      app.get('/own', (_req, res) => void res.json({ own: true }));
      await bot.ready();
      return listenOnLoopback(createServer(app));
    },
  );

  describeAdapterContract(
    "after the app's own express.json() consumed the body (raw bytes kept by keepRawBody)",
    async (bot) => {
      const app = express();
      app.use(express.json({ limit: '5mb', verify: keepRawBody }));
      app.post(['/webhook', '/bm'], expressHandler(bot));
      return listenOnLoopback(createServer(app));
    },
    { businessMessages: true, hostParsesJson: true },
  );

  describeAdapterContract(
    "after express.json() consumed the body and kept only req.body (an RBM push still verifies: only message.data is signed)",
    async (bot) => {
      const app = express();
      app.use(express.json({ limit: '5mb' }));
      app.use('/rbm', expressHandler(bot));
      const mounted = await listenOnLoopback(createServer(app));
      return { base: `${mounted.base}/rbm`, close: mounted.close };
    },
    { hostParsesJson: true },
  );

  describe('next to the app', () => {
    it('serves a webhook at the prefix itself, with or without a query', async () => {
      const { createBot } = await import('rbmkit');
      const { nodeHandler } = await import('rbmkit/adapters');
      const bot = createBot({ logger: false, partner: { path: '/', clientToken: 'SJENCPGJESMGUFPY' } });
      const mounted = await listenOnLoopback(createServer(nodeHandler(bot, { prefix: '/rbm' })));
      try {
        for (const path of ['/rbm', '/rbm/', '/rbm?x=1']) {
          const answer = await fetch(`${mounted.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"clientToken":"SJENCPGJESMGUFPY","secret":"ok"}' });
          expect([path, answer.status, await answer.text()]).to.deep.equal([path, 200, 'ok']);
        }
      } finally {
        await mounted.close();
        await bot.close();
      }
    });

    it("passes every other path to the app's own routes, and answers 500 JSON when a body was read and not kept", async () => {
      const { createBot } = await import('rbmkit');
      const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' } });
      const app = express();
      // A reader that drains the body and keeps nothing: a misconfigured app.
      app.use((req, _res, next) => {
        req.resume();
        req.on('end', () => next());
      });
      app.use(expressHandler(bot));
      app.get('/own', (_req, res) => void res.json({ own: true }));
      const mounted = await listenOnLoopback(createServer(app));
      try {
        const own = await fetch(`${mounted.base}/own`);
        expect(await own.json()).to.deep.equal({ own: true });
        const lost = await fetch(`${mounted.base}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"clientToken":"x","secret":"y"}' });
        expect(lost.status).to.equal(500);
        expect(await lost.json()).to.deep.include({ error: 'body_consumed' });
      } finally {
        await mounted.close();
        await bot.close();
      }
    });
  });
});
