import { connect } from 'node:net';
import { expect } from 'chai';
import { definePlugin, MemoryDedupeStore } from 'rbmkit';
import { FakeRbmApi, payloads, post, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';
import { freePort, runTs } from '../helpers/processes.js';

describe('lifecycle', function () {
  this.timeout(30_000);
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers liveness and readiness; readiness fails while the store does not answer', async () => {
    let storeUp = true;
    const store = new (class extends MemoryDedupeStore {
      async ping() {
        if (!storeUp) throw new Error('connection refused');
      }
    })();
    t = await startTestBot({ partner: { clientToken: 'T' }, dedupe: store });
    expect(await (await fetch(`${t.url}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    expect(await (await fetch(`${t.url}/readyz`)).json()).to.deep.equal({ status: 'ready' });
    storeUp = false;
    const notReady = await fetch(`${t.url}/readyz`);
    expect(notReady.status).to.equal(503);
    expect(await notReady.json()).to.deep.equal({
      error: 'not_ready',
      message: 'the dedupe store does not answer: connection refused; expected traffic to go elsewhere until ready',
    });
    expect((await fetch(`${t.url}/healthz`)).status).to.equal(200);
  });

  it('while shutting down: readiness fails, new pushes get 503, running handlers finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const held = definePlugin({ name: 'held', setup: (a) => void a.on('text', async () => { await gate; finished = true; }) });
    t = await startTestBot({ partner: { clientToken: 'T', plugins: [held] } });
    const running = t.push(payloads.text({ text: 'in flight' }));
    await new Promise((r) => setTimeout(r, 50));
    const closing = t.bot.close();
    // The listener takes no new connections now; a request on a connection opened before (as
    // Google's kept-alive ones are) reaches the same app: serve that app on a second port to send one.
    const app = t.bot.callback();
    const { createServer } = await import('node:http');
    const side = createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => side.once('listening', r));
    const sideUrl = `http://127.0.0.1:${(side.address() as { port: number }).port}`;
    try {
      const ready = await fetch(`${sideUrl}/readyz`);
      expect(ready.status).to.equal(503);
      expect(((await ready.json()) as { message: string }).message).to.include('shutting down');
      const refused = await post(`${sideUrl}/webhook`, signedPush(payloads.text({ text: 'late' }), { token: 'T' }));
      expect(refused.status).to.equal(503);
      expect(refused.body).to.have.property('error', 'shutting_down');
      release();
      expect((await running).status).to.equal(200);
      await closing;
      expect(finished).to.equal(true);
    } finally {
      side.close();
      t = undefined;
    }
  });

  it('gives up on handlers past shutdownTimeoutMs and closes anyway', async () => {
    const hung = definePlugin({ name: 'hung', setup: (a) => void a.on('text', () => new Promise(() => undefined)) });
    const bot = await startTestBot({ partner: { clientToken: 'T', plugins: [hung] }, shutdownTimeoutMs: 100, ackDeadlineMs: 50 });
    await bot.push(payloads.text({ text: 'x' }));
    const started = Date.now();
    await bot.close();
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('drops a client that sends headers too slowly (slowloris)', async () => {
    t = await startTestBot({ partner: { clientToken: 'T' }, server: { headersTimeoutMs: 300 } });
    const { port } = new URL(t.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(answer).to.match(/^HTTP\/1\.1 408/);
  });

  it('on SIGTERM mid-load: stops accepting, answers what it accepted, every accepted event handled, exits 0', async () => {
    const api = await FakeRbmApi.start();
    const port = await freePort();
    const bot = runTs('test/fixtures/slow-bot.ts', [], { PORT: String(port), RBM_API_URL: api.url, DELAY_MS: '1000' });
    try {
      await bot.waitFor(/ready/);
      const url = `http://127.0.0.1:${port}/webhook`;
      const send = (i: number) =>
        post(url, signedPush(payloads.text({ text: `m${i}`, phone: `+1555000${String(i).padStart(4, '0')}` }), { token: 'SLOWTOKEN' })).then(
          (answer) => ({ i, status: answer.status }),
          () => ({ i, status: 0 }),
        );
      const first = Array.from({ length: 30 }, (_, i) => send(i));
      // Long enough for the 30 pushes to arrive on a loaded machine, well before their handlers finish (1 s).
      await new Promise((r) => setTimeout(r, 400));
      bot.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
      const late = Array.from({ length: 10 }, (_, i) => send(100 + i));
      const answers = await Promise.all([...first, ...late]);
      expect(await bot.exited()).to.equal(0);
      const accepted = answers.filter((a) => a.status === 200).map((a) => `done m${a.i}`);
      expect(accepted.length).to.be.at.least(30);
      // Every push answered 200 was handled: its reply reached the API.
      expect(api.texts()).to.include.members(accepted);
      // Nothing accepted was answered with a failure; the rest were refused (503) or not connected (0).
      expect(answers.filter((a) => a.status !== 200).every((a) => a.status === 503 || a.status === 0)).to.equal(true);
    } finally {
      await bot.stop();
      await api.close();
    }
  });
});
