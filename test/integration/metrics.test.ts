import { expect } from 'chai';
import { definePlugin } from 'rbmkit';
import { payloads, signedPush, startTestBot } from 'rbmkit/testing';

describe('/metrics (Prometheus)', () => {
  it('counts received, verified, rejected, duplicate, handled and failed by agent, handler latency, and outbound calls by status', async () => {
    let failNext = true;
    const replier = definePlugin({
      name: 'replier',
      setup: (a) =>
        void a.on('text', async (e, ctx) => {
          if (e.text === 'fail' && failNext) {
            failNext = false;
            throw new Error('once');
          }
          await ctx.reply(e.text);
        }),
    });
    const t = await startTestBot({ partner: { clientToken: 'METRICS', plugins: [replier] } }, { fakeApi: true });
    try {
      const hello = payloads.text({ text: 'hello', agentId: 'shop@rbm.goog' });
      await t.push(hello);
      await t.push(hello);
      await t.push(payloads.text({ text: 'fail', agentId: 'shop@rbm.goog' }));
      t.api!.failNext(1, 503, { retryAfter: '0' });
      await t.push(payloads.text({ text: 'retried', agentId: 'bank@rbm.goog' }));
      const forged = signedPush(payloads.text({ text: 'x' }), { token: 'FORGED' });
      await t.postRaw('/webhook', forged.body, forged.headers);

      const response = await fetch(`${t.url}/metrics`);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await response.text();
      for (const line of [
        'rbmkit_requests_received_total{webhook="/webhook"} 5',
        'rbmkit_pushes_verified_total{agent="shop@rbm.goog"} 3',
        'rbmkit_pushes_verified_total{agent="bank@rbm.goog"} 1',
        'rbmkit_requests_rejected_total{webhook="/webhook",reason="bad_signature"} 1',
        'rbmkit_events_total{agent="shop@rbm.goog",outcome="handled"} 1',
        'rbmkit_events_total{agent="shop@rbm.goog",outcome="duplicate"} 1',
        'rbmkit_events_total{agent="shop@rbm.goog",outcome="failed"} 1',
        'rbmkit_events_total{agent="bank@rbm.goog",outcome="handled"} 1',
        'rbmkit_handler_duration_seconds_count{agent="shop@rbm.goog",plugin="replier",event="text"} 2',
        'rbmkit_rbm_api_calls_total{method="POST",status="200"} 2',
        'rbmkit_rbm_api_calls_total{method="POST",status="503"} 1',
      ]) {
        expect(text).to.include(line);
      }
      expect(text).to.include('rbmkit_process_resident_memory_bytes');
    } finally {
      await t.close();
    }
  });

  it('can be moved or turned off', async () => {
    const moved = await startTestBot({ partner: { clientToken: 'T' }, metrics: { path: '/internal/metrics' } });
    const off = await startTestBot({ partner: { clientToken: 'T' }, metrics: false });
    try {
      expect((await fetch(`${moved.url}/internal/metrics`)).status).to.equal(200);
      expect((await fetch(`${off.url}/metrics`)).status).to.equal(404);
    } finally {
      await moved.close();
      await off.close();
    }
  });
});
