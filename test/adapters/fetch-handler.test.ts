import { serve, type ServerType } from '@hono/node-server';
import { expect } from 'chai';
import { Hono } from 'hono';
import { createBot } from 'rbmkit';
import { fetchHandler } from 'rbmkit/adapters';
import { describeAdapterContract } from './adapter-contract.js';

async function serveOnLoopback(app: Hono): Promise<{ base: string; close(): Promise<void> }> {
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server!.close(() => resolve())),
  };
}

describe('fetch-style handler (Hono on @hono/node-server, real HTTP)', () => {
  describeAdapterContract(
    'as a Hono route under /api/rbm',
    async (bot) => {
      const app = new Hono();
      const handle = fetchHandler(bot, { prefix: '/api/rbm' });
      app.post('/api/rbm/*', (c) => handle(c.req.raw));
      app.get('/own', (c) => c.json({ own: true }));
      const served = await serveOnLoopback(app);
      return { base: `${served.base}/api/rbm`, close: served.close };
    },
    { businessMessages: true },
  );

  it('answers a path below no prefix, or no webhook, with 404 JSON', async () => {
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' } });
    const handle = fetchHandler(bot, { prefix: '/api/rbm' });
    try {
      const outside = await handle(new Request('http://host/elsewhere/webhook', { method: 'POST', body: '{}' }));
      expect(outside.status).to.equal(404);
      expect(await outside.json()).to.deep.include({ error: 'not_found' });
      const unknown = await handle(new Request('http://host/api/rbm/nothing', { method: 'POST', body: '{}' }));
      expect(unknown.status).to.equal(404);
      expect(await unknown.json()).to.deep.include({ error: 'not_found' });
      // Metrics and health are the bot server's, never a public catch-all route's.
      for (const path of ['/api/rbm/metrics', '/api/rbm/healthz', '/api/rbm/readyz']) expect((await handle(new Request(`http://host${path}`))).status).to.equal(404);
    } finally {
      await bot.close();
    }
  });
});
