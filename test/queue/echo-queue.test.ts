// The echo agent in queue mode: one ingress process and two worker processes, sharing Redis.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { NatsQueue } from 'rbmkit';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, runTs, type Running } from '../helpers/processes.js';

describe('examples/echo-agent in queue mode (one ingress, two workers)', function () {
  this.timeout(60_000);

  it('ingress answers 200 once queued, a worker echoes each message once, in order', async () => {
    const api = await FakeRbmApi.start();
    const stream = `ECHO${randomUUID().slice(0, 8).toUpperCase()}`;
    const port = await freePort();
    const env = { RBM_API_URL: api.url, RBM_CLIENT_TOKEN: 'ECHOTOKEN', HOST: '127.0.0.1', QUEUE_URL: 'nats://127.0.0.1:4222', QUEUE_STREAM: stream, REDIS_URL: 'redis://127.0.0.1:6379', PORT: String(port) };
    const processes: Running[] = [];
    try {
      const ingress = runTs('examples/echo-agent/index.ts', ['--role', 'ingress'], env);
      processes.push(ingress);
      await ingress.waitFor(/echo agent listening.*queue mode/, 20_000);
      for (let i = 0; i < 2; i += 1) {
        const worker = runTs('examples/echo-agent/index.ts', ['--role', 'worker'], env);
        processes.push(worker);
        await worker.waitFor(/echo agent worker consuming/, 20_000);
      }
      const texts = Array.from({ length: 6 }, (_, i) => `message ${i + 1}`);
      for (const [i, text] of texts.entries()) {
        const answer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text, messageId: `M${i}-${stream}` }), { token: 'ECHOTOKEN' }));
        expect(answer.status).to.equal(200);
        expect(answer.body).to.deep.equal({ status: 'queued' });
      }
      const end = Date.now() + 20_000;
      while (api.texts().length < texts.length && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(api.texts()).to.deep.equal(texts);
      for (const running of processes) expect(await running.stop()).to.equal(0);
    } finally {
      await Promise.all(processes.map((running) => running.stop()));
      await api.close();
      const admin = new NatsQueue({ stream });
      await admin.destroy();
      await admin.close();
    }
  });

  it('--role worker without QUEUE_URL says what is missing', async () => {
    const worker = runTs('examples/echo-agent/index.ts', ['--role', 'worker'], { QUEUE_URL: '' });
    expect(await worker.exited()).to.equal(2);
    expect(worker.output()).to.include('--role worker needs QUEUE_URL');
  });
});
