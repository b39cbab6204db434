import { expect } from 'chai';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
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

  it('with nothing set, runs on loopback in local mode and says so', async () => {
    const port = await freePort();
    const agent = runTs('examples/echo-agent/index.ts', [], { PORT: String(port), RBM_CLIENT_TOKEN: '', RBM_API_URL: '', GOOGLE_APPLICATION_CREDENTIALS: '' });
    try {
      await agent.waitFor(/no Google credentials/);
      expect(agent.output()).to.include('http://127.0.0.1:8081');
      expect(agent.output()).to.include('RBM_CLIENT_TOKEN is not set');
    } finally {
      await agent.stop();
    }
  });
});
