// /readyz in queue mode: ready only while the broker answers (NATS on 127.0.0.1:4222).
import { expect } from 'chai';
import { createBot, NatsQueue, type Bot } from 'rbmkit';
import { QueueRun, TOKEN } from './queue-kit.js';

describe('readiness in queue mode', function () {
  this.timeout(30_000);
  const run = new QueueRun();
  const others: Bot[] = [];
  after(async () => {
    for (const bot of others) await bot.close();
    await run.cleanUp();
  });

  async function readyz(bot: Bot): Promise<{ status: number; body: { status?: string; error?: string; message?: string }; ms: number }> {
    const { url } = await bot.listen(0, '127.0.0.1');
    const started = Date.now();
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status?: string }, ms: Date.now() - started };
  }

  it('is ready while the broker answers', async () => {
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN }, queue: run.queue() });
    run.bots.push(bot);
    const answer = await readyz(bot);
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'ready' });
  });

  it('answers 503 JSON when the broker is unreachable', async () => {
    const queue = new NatsQueue({ url: 'nats://127.0.0.1:1', stream: run.stream });
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN }, queue });
    others.push(bot);
    const answer = await readyz(bot);
    expect(answer.status).to.equal(503);
    expect(answer.body.error).to.equal('not_ready');
    expect(answer.body.message).to.match(/^the queue does not answer: NATS at nats:\/\/127\.0\.0\.1:1 is not connected/);
  });

  it('answers 503 within about a second when the broker does not answer', async () => {
    const queue = run.queue();
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN }, queue });
    run.bots.push(bot);
    // The broker is reachable (listen connects) but its answer to the ping never comes.
    queue.ping = () => new Promise<void>(() => undefined);
    const answer = await readyz(bot);
    expect(answer.status).to.equal(503);
    expect(answer.body.message).to.include('the queue does not answer: no answer within 1000 ms');
    expect(answer.ms).to.be.within(900, 2_500);
  });
});
