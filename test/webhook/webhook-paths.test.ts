import { expect } from 'chai';
import { payloads, post, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';

// A push to a webhook's exact path takes a lookup in front of the router; any other spelling
// of the path, and every other method, is still the router's to match.
describe('webhook paths', () => {
  const token = 'PATHSTOKEN000001';
  let t: TestBot;
  before(async () => {
    t = await startTestBot({ partner: { path: '/hooks/partner', clientToken: token, plugins: [] } });
  });
  after(() => t.close());

  const push = (path: string, text: string) => post(t.url + path, signedPush(payloads.text({ text }), { token }));

  it('handles a push at the exact path', async () => {
    const answer = await push('/hooks/partner', 'exact');
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'handled' });
  });

  it('handles a push with a trailing slash or other letter case, as the router matches them', async () => {
    for (const path of ['/hooks/partner/', '/HOOKS/Partner']) {
      const answer = await push(path, path);
      expect(answer.status, path).to.equal(200);
      expect(answer.body, path).to.deep.equal({ status: 'handled' });
    }
  });

  it('answers another method at the webhook path 405 with Allow: POST', async () => {
    const response = await fetch(`${t.url}/hooks/partner`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('POST');
    expect(await response.json()).to.have.property('error', 'method_not_allowed');
  });

  it('answers a path that only starts like the webhook 404', async () => {
    const answer = await push('/hooks/partner-x', 'near');
    expect(answer.status).to.equal(404);
    expect(answer.body).to.have.property('error', 'not_found');
  });

  it('serves a webhook added later at its exact path, and none once it is removed', async () => {
    const later = { token: 'LATERTOKEN000001', agentId: 'later@rbm.goog' };
    const pushLater = () => post(`${t.url}/hooks/later`, signedPush(payloads.text({ text: 'later', agentId: later.agentId }), { token: later.token }));
    expect((await pushLater()).status).to.equal(404);
    t.bot.agents.set(later.agentId, { webhook: { path: '/hooks/later', clientToken: later.token } });
    const answer = await pushLater();
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'handled' });
    t.bot.agents.remove(later.agentId);
    expect((await pushLater()).status).to.equal(404);
  });
});
