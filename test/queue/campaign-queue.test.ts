// A campaign in queue mode: this process checks capabilities and follows the outcomes; two
// worker processes send. One worker is SIGKILLed mid-campaign: nothing is lost, nothing sent twice.
import { expect } from 'chai';
import { createBot, HttpRbmClient, noAuth, RedisSessionStore, type Bot, type Recipient } from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';
import { campaignMessageId } from '../../core/campaign/run-campaign.js';
import { runTs, type Running } from '../helpers/processes.js';
import { QueueRun } from './queue-kit.js';

const AGENT = 'shop@rbm.goog';
const COUNT = 2_000;

describe('campaigns in queue mode (NATS JetStream, Redis, worker processes)', function () {
  this.timeout(120_000);
  let run: QueueRun;
  let api: FakeRbmApi;
  let coordinator: Bot;
  const workers: Running[] = [];

  beforeEach(async () => {
    run = new QueueRun();
    api = await FakeRbmApi.start();
    coordinator = createBot({
      logger: false,
      partner: { clientToken: 'QUEUETOKEN', plugins: [] },
      client: new HttpRbmClient({ baseUrl: api.url, auth: noAuth() }),
      sessions: new RedisSessionStore({ prefix: `${run.prefix}:session:` }),
      queue: run.queue(),
    });
    run.bots.push(coordinator);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => (worker.child.exitCode === null ? (worker.child.kill('SIGKILL'), worker.exited()) : undefined)));
    await run.cleanUp();
    await api.close();
  });

  async function worker(env: Record<string, string> = {}): Promise<Running> {
    const started = runTs('test/fixtures/queue/campaign-worker.ts', [], { KEY_PREFIX: run.prefix, QUEUE_STREAM: run.stream, RBM_API_URL: api.url, ...env });
    workers.push(started);
    await started.waitFor(/worker ready/, 20_000);
    return started;
  }

  const list = (): Recipient[] => Array.from({ length: COUNT }, (_, i) => ({ phone: `+1555${String(i).padStart(7, '0')}`, vars: { name: `n${i}` } }));

  it('two workers share the sends; one SIGKILLed mid-way loses nothing and sends nothing twice', async () => {
    const [first] = [await worker(), await worker()];
    const recipients = list();
    recipients.forEach((recipient, i) => i % 10 === 0 && api.unreachable.add(recipient.phone));
    const campaign = coordinator.campaign({ id: `${run.prefix}-q`, agentId: AGENT, recipients, message: { contentMessage: { text: 'Hi {{name}}' }, messageTrafficType: 'TRANSACTION' } });
    let killed = false;
    campaign.on('progress', (p) => {
      if (!killed && p.sent >= 500) {
        killed = true;
        first!.child.kill('SIGKILL');
      }
    });
    const report = await campaign.done;
    expect(killed).to.equal(true);
    expect(report.progress).to.deep.include({ state: 'done', total: COUNT, sent: 1_800, unreachable: 200, failed: 0, remaining: 0 });
    expect(api.messages).to.have.length(1_800);
    expect(new Set(api.messages.map((m) => m.phone)).size).to.equal(1_800);
    expect(api.messages.every((m) => m.messageId === campaignMessageId(AGENT, `${run.prefix}-q`, m.phone))).to.equal(true);
  });

  it('rbmkit campaign send --queue publishes the sends for the workers and follows them to the end', async () => {
    // The CLI's store is Redis with the default session prefix: the worker reads the same keys.
    await worker({ SESSION_PREFIX: 'rbmkit:session:' });
    const { tempDir, removeTempDirs } = await import('../package/packed.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir('rbmkit-campaign-queue-');
    try {
      writeFileSync(join(dir, 'numbers.csv'), ['phone,name', ...list().slice(0, 300).map((r) => `${r.phone},${r.vars!.name}`)].join('\n'));
      writeFileSync(join(dir, 'message.json'), JSON.stringify({ contentMessage: { text: 'Hi {{name}}' } }));
      const id = `${run.prefix}-cli`;
      const cli = runTs('core/cli/main.ts', ['campaign', 'send', '--agent', AGENT, '--recipients', join(dir, 'numbers.csv'), '--message', join(dir, 'message.json'), '--id', id, '--queue', 'nats://127.0.0.1:4222', '--stream', run.stream], {
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        RBM_API_URL: api.url,
      });
      workers.push(cli);
      expect(await cli.exited(), cli.output()).to.equal(0);
      expect(api.messages).to.have.length(300);
      expect(cli.output()).to.match(/"state":"done".*"sent":300/);
      const keys = await run.redis.keys(`rbmkit:session:rbmkit:campaign:${AGENT}:${id}:*`);
      if (keys.length > 0) await run.redis.del(...keys);
    } finally {
      removeTempDirs();
    }
  });

  it('stopped and run again at once (the broker still holds the first run\'s ids), the second run sends the rest', async () => {
    await worker();
    const recipients = list().slice(0, 400);
    const message = { contentMessage: { text: 'Hi {{name}}' } };
    const first = coordinator.campaign({ id: `${run.prefix}-s`, agentId: AGENT, recipients, message });
    await new Promise<void>((resolve) => first.on('progress', (p) => p.sent >= 50 && resolve()));
    await first.stop();
    expect((await first.done).progress.state).to.equal('stopped');
    const second = await coordinator.campaign({ id: `${run.prefix}-s`, agentId: AGENT, recipients, message }).done;
    expect(second.progress).to.deep.include({ state: 'done', sent: 400 });
    expect(api.messages).to.have.length(400);
  });

  it('a pause and resume through the store quicker than the coordinator looks: what the workers skipped goes out again', async () => {
    await worker();
    const id = `${run.prefix}-r`;
    const campaign = coordinator.campaign({ id, agentId: AGENT, recipients: list().slice(0, 300), message: { contentMessage: { text: 'Hi {{name}}' } }, maxQueued: 300 });
    await new Promise<void>((resolve) => campaign.on('progress', (p) => p.sent >= 20 && resolve()));
    // Another process pauses and resumes within 300 ms: the workers skip what they get meanwhile.
    const control = `${run.prefix}:session:rbmkit:campaign:${AGENT}:${id}:control`;
    await run.redis.set(control, JSON.stringify('pause'), 'PX', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await run.redis.del(control);
    expect((await campaign.done).progress).to.deep.include({ state: 'done', sent: 300 });
    expect(api.messages).to.have.length(300);
  });

  it('a pause holds the workers; a resume publishes what is left', async () => {
    await worker();
    const campaign = coordinator.campaign({ id: `${run.prefix}-p`, agentId: AGENT, recipients: list().slice(0, 600), message: { contentMessage: { text: 'Hi {{name}}' } } });
    await new Promise<void>((resolve) => campaign.on('progress', (p) => p.sent >= 100 && resolve()));
    await campaign.pause();
    await new Promise<void>((resolve) => campaign.on('progress', (p) => p.state === 'paused' && resolve()));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const held = api.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(api.messages).to.have.length(held);
    expect(held).to.be.below(600);
    await campaign.resume();
    expect((await campaign.done).progress).to.deep.include({ state: 'done', sent: 600 });
    expect(api.messages).to.have.length(600);
  });
});
