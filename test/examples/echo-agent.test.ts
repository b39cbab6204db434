import { expect } from 'chai';
import { bmPayloads, FakeBmApi, FakeRbmApi, payloads, post, signedBmRequest, signedPush } from 'rbmkit/testing';
import { freePort, runTs } from '../helpers/processes.js';

describe('examples/echo-agent (a real process)', function () {
  this.timeout(30_000);

  it('says it runs locally without Google credentials, and its reply reaches the RBM API over real HTTP', async () => {
    const api = await FakeRbmApi.start();
    const port = await freePort();
    const agent = runTs('examples/echo-agent/index.ts', [], { PORT: String(port), RBM_API_URL: api.url, RBM_CLIENT_TOKEN: 'EXAMPLETOKEN', HOST: '127.0.0.1' });
    try {
      await agent.waitFor(/echo agent listening/);
      const answer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'Hi there', messageId: 'M1' }), { token: 'EXAMPLETOKEN' }));
      expect(answer.status).to.equal(200);
      expect(api.texts()).to.deep.equal(['Hi there']);
      expect(api.events.map((e) => e.event)).to.deep.equal([{ eventType: 'READ', messageId: 'M1' }]);
      expect(agent.output()).to.include(`replies go to ${api.url}`);
      expect(agent.output()).not.to.include('EXAMPLETOKEN');
      expect(await agent.stop()).to.equal(0);
    } finally {
      await agent.stop();
      await api.close();
    }
  });

  it('with BM_CLIENT_TOKEN, also serves Business Messages at /bm and answers through BM_API_URL, RBM still at /webhook', async () => {
    const rbm = await FakeRbmApi.start();
    const bm = await FakeBmApi.start();
    const port = await freePort();
    const agent = runTs('examples/echo-agent/index.ts', [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      RBM_API_URL: rbm.url,
      RBM_CLIENT_TOKEN: 'EXAMPLETOKEN',
      BM_CLIENT_TOKEN: 'BMEXAMPLETOKEN,BMPARTNERKEY',
      BM_API_URL: bm.url,
    });
    try {
      await agent.waitFor(/Business Messages webhook at \/bm/);
      const body = bmPayloads.text({ agent: 'brands/b/agents/a', conversationId: 'CONV-E', text: 'Hi BM', messageId: 'BM-M1' });
      const answer = await post(`http://127.0.0.1:${port}/bm`, signedBmRequest(body, { token: 'BMPARTNERKEY' }));
      expect(answer.status).to.equal(200);
      expect(bm.receipts).to.deep.equal([{ conversationId: 'CONV-E', messageId: 'BM-M1', receiptType: 'READ' }]);
      expect(bm.messages.map((m) => [m.conversationId, m.body.text, m.body.representative])).to.deep.equal([['CONV-E', 'Hi BM', { representativeType: 'BOT' }]]);
      const forged = await post(`http://127.0.0.1:${port}/bm`, signedBmRequest(body, { token: 'EXAMPLETOKEN' }));
      expect(forged.status).to.equal(401);
      const rbmAnswer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'Hi RBM' }), { token: 'EXAMPLETOKEN' }));
      expect(rbmAnswer.status).to.equal(200);
      expect(rbm.texts()).to.deep.equal(['Hi RBM']);
      expect(agent.output()).to.include(`Business Messages replies go to ${bm.url}`);
      expect(agent.output()).not.to.include('BMEXAMPLETOKEN');
      expect(await agent.stop()).to.equal(0);
    } finally {
      await agent.stop();
      await rbm.close();
      await bm.close();
    }
  });

  it('with nothing set, runs on loopback in local mode and says so', async () => {
    const port = await freePort();
    const agent = runTs('examples/echo-agent/index.ts', [], { PORT: String(port), RBM_CLIENT_TOKEN: '', RBM_API_URL: '', GOOGLE_APPLICATION_CREDENTIALS: '' });
    try {
      // Both lines come, in this order; the pipe may hand them over in two chunks.
      await agent.waitFor(/no Google credentials[\s\S]*RBM_CLIENT_TOKEN is not set/);
      expect(agent.output()).to.include('http://127.0.0.1:8081');
    } finally {
      await agent.stop();
    }
  });
});
