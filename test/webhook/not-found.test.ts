import { expect } from 'chai';
import { startTestBot } from 'rbmkit/testing';

const NOT_FOUND = { error: 'not_found', message: "no route here; expected POST to this server's webhook path" };

describe('an unknown path', () => {
  it('gets 404 JSON naming no webhook, whatever the method; bot.webhooks() still lists them for the program', async () => {
    const t = await startTestBot({
      partner: { path: '/partner-hook-7f3a', clientToken: 'NOTFOUNDTOKEN001' },
      agents: { 'shop@rbm.goog': { webhook: { path: '/secret-shop-hook', clientToken: 'SHOPTOKEN0000001' } } },
    });
    try {
      for (const [path, method] of [['/', 'GET'], ['/', 'POST'], ['/nowhere', 'POST'], ['/webhook', 'POST'], ['/partner-hook-7f3a/x', 'GET']] as const) {
        const response = await fetch(t.url + path, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(response.status, `${method} ${path}`).to.equal(404);
        expect(response.headers.get('content-type')).to.match(/^application\/json/);
        const text = await response.text();
        expect(JSON.parse(text)).to.deep.equal(NOT_FOUND);
        expect(text).not.to.match(/partner-hook|secret-shop|metrics|healthz/);
      }
      expect(t.bot.webhooks()).to.have.members(['/partner-hook-7f3a', '/secret-shop-hook']);
    } finally {
      await t.close();
    }
  });
});
