import { expect } from 'chai';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, runTs } from '../helpers/processes.js';

describe('examples/partner (a real process)', function () {
  this.timeout(30_000);

  it('answers each agent with the right plugins: defaults, its own list, its own webhook', async () => {
    const api = await FakeRbmApi.start();
    const port = await freePort();
    const partner = runTs('examples/partner/index.ts', [], { PORT: String(port), RBM_API_URL: api.url, PARTNER_TOKEN: 'PARTNERTOKEN', BANK_TOKEN: 'BANKTOKEN' });
    const base = `http://127.0.0.1:${port}`;
    const say = (path: string, token: string, agentId: string, text: string) =>
      post(base + path, signedPush(payloads.text({ agentId, text }), { token }));
    try {
      await partner.waitFor(/partner webhook/);
      expect((await say('/webhook', 'PARTNERTOKEN', 'shop@rbm.goog', 'hello shop')).status).to.equal(200);
      expect((await say('/webhook', 'PARTNERTOKEN', 'cafe@rbm.goog', 'THUC DON')).status).to.equal(200);
      expect((await say('/webhook', 'PARTNERTOKEN', 'cafe@rbm.goog', 'order pho')).status).to.equal(200);
      expect((await say('/webhook', 'PARTNERTOKEN', 'cafe@rbm.goog', 'Order Phở bò')).status).to.equal(200);
      expect((await say('/agents/bank', 'BANKTOKEN', 'bank@rbm.goog', 'balance?')).status).to.equal(200);
      expect((await say('/agents/bank', 'PARTNERTOKEN', 'bank@rbm.goog', 'forged')).status).to.equal(401);
      expect(api.messages.map((m) => [m.agentId, m.message.contentMessage.text])).to.deep.equal([
        ['shop@rbm.goog', 'hello shop'],
        ['cafe@rbm.goog', 'Today: pho 8€, banh mi 6€, iced coffee 3€'],
        ['cafe@rbm.goog', 'One pho, coming up!'],
        // The order pattern sees the text as sent: the dish keeps its accents.
        ['cafe@rbm.goog', 'One Phở bò, coming up!'],
        ['bank@rbm.goog', 'balance?'],
      ]);
      // echo marks read; the cafe's keyword menu does not.
      expect(api.events.map((e) => e.agentId)).to.deep.equal(['shop@rbm.goog', 'bank@rbm.goog']);
    } finally {
      await partner.stop();
      await api.close();
    }
  });
});
