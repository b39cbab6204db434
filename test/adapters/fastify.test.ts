import { expect } from 'chai';
import Fastify from 'fastify';
import { createBot } from 'rbmkit';
import { fastifyPlugin } from 'rbmkit/adapters';
import { describeAdapterContract } from './adapter-contract.js';

async function listen(app: ReturnType<typeof Fastify>): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('Fastify adapter (fastify 5, real HTTP)', () => {
  describeAdapterContract(
    'registered under a prefix, beside routes that parse JSON',
    async (bot) => {
      const app = Fastify();
      app.post('/own', async (request) => ({ got: request.body }));
      await app.register(fastifyPlugin(bot), { prefix: '/rbm' });
      await bot.ready();
      const url = await listen(app);
      return { base: `${url}/rbm`, close: () => app.close() };
    },
    { businessMessages: true },
  );

  describeAdapterContract('registered at the root', async (bot) => {
    const app = Fastify();
    await app.register(fastifyPlugin(bot));
    const url = await listen(app);
    return { base: url, close: () => app.close() };
  });

  it("leaves the app's own routes and body parsing alone", async () => {
    const bot = createBot({ logger: false, partner: { path: '/webhook', clientToken: 'SJENCPGJESMGUFPY' } });
    const app = Fastify();
    app.post('/own', async (request) => ({ got: request.body }));
    await app.register(fastifyPlugin(bot), { prefix: '/rbm' });
    const url = await listen(app);
    try {
      const own = await fetch(`${url}/own`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await own.json()).to.deep.equal({ got: { a: 1 } });
      const other = await fetch(`${url}/rbm/nothing`, { method: 'POST', body: '{}' });
      expect(other.status).to.equal(404);
      expect(await other.json()).to.deep.include({ error: 'not_found' });
    } finally {
      await app.close();
      await bot.close();
    }
  });
});
