import { expect } from 'chai';
import { signData } from 'rbmkit/advanced';
import { payloads, post, startTestBot } from 'rbmkit/testing';
import { eventAgeMs } from '../../core/events/event-age.js';
import { recorder } from '../helpers/recorder.js';

const TOKEN = 'REPLAYTOKEN00001';

/** A signed push whose envelope says it was published at `publishTime`. */
function pushPublishedAt(data: object, publishTime: string) {
  const bytes = Buffer.from(JSON.stringify(data));
  const body = JSON.stringify({ message: { data: bytes.toString('base64'), messageId: '1', publishTime, attributes: {} }, subscription: 's' });
  return { body, headers: { 'content-type': 'application/json', 'x-goog-signature': signData(TOKEN, bytes) } };
}

describe('hardening: an opt-in replay window', function () {
  this.timeout(20_000);

  it('eventAgeMs: the older of publishTime and the signed sendTime', () => {
    const now = Date.parse('2025-01-01T00:10:00Z');
    const push = { attributes: {}, webhook: '/w', receivedAt: now, publishTime: '2025-01-01T00:09:00Z' };
    expect(eventAgeMs({ push }, now)).to.equal(60_000);
    expect(eventAgeMs({ push, sendTime: '2025-01-01T00:00:00Z' }, now)).to.equal(600_000);
    expect(eventAgeMs({ push: { ...push, publishTime: 'not a time' } }, now)).to.equal(undefined);
  });

  it('off by default: a push published days ago is served', async () => {
    const rec = recorder();
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [rec.plugin] } });
    try {
      const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
      expect((await post(`${t.url}/webhook`, pushPublishedAt(payloads.text({ text: 'old' }), old))).status).to.equal(200);
      expect(rec.seen).to.have.length(1);
    } finally {
      await t.close();
    }
  });

  it('on: an older push is answered 200, dropped, counted (stats, metric) and told to `rejected`; a fresh one is served', async () => {
    const rec = recorder();
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [rec.plugin] }, replayWindowMs: 60_000 });
    try {
      const old = new Date(Date.now() - 120_000).toISOString();
      const answer = await post(`${t.url}/webhook`, pushPublishedAt(payloads.text({ text: 'old' }), old));
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ status: 'dropped', reason: 'too_old' });
      expect(rec.seen).to.have.length(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rec.rejected.map((r) => r.notice.reason)).to.deep.equal(['too_old']);
      expect(t.bot.stats().rejected).to.equal(1);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).to.match(/rbmkit_requests_rejected_total\{webhook="\/webhook",reason="too_old"\} 1/);
      // A signed sendTime that old is dropped too, whatever the (unsigned) publishTime says.
      const replayed = await post(`${t.url}/webhook`, pushPublishedAt({ ...payloads.text({ text: 'replayed' }), sendTime: old }, new Date().toISOString()));
      expect(replayed.body).to.deep.equal({ status: 'dropped', reason: 'too_old' });
      expect((await t.push(payloads.text({ text: 'fresh' }))).status).to.equal(200);
      expect(rec.seen).to.have.length(1);
    } finally {
      await t.close();
    }
  });
});
