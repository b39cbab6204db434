// Queue mode in one process (ingress and worker both): metrics, and ingress shutdown.
import { expect } from 'chai';
import { createBot, definePlugin } from 'rbmkit';
import { QueueRun, sendText, TOKEN } from './queue-kit.js';

describe('queue mode in one process', function () {
  this.timeout(30_000);
  const run = new QueueRun();
  after(() => run.cleanUp());

  it('counts enqueue latency, worker lag, depth, retries and dead letters', async () => {
    const handled: string[] = [];
    const plugin = definePlugin({
      name: 'flaky',
      setup: (agent) =>
        void agent.on('text', (event) => {
          if (event.text === 'boom') throw new Error('always fails');
          handled.push(event.text);
        }),
    });
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [plugin] }, queue: run.queue(), queueRetry: { attempts: 2, backoffMs: 50 } });
    run.bots.push(bot);
    const { url } = await bot.listen(0, '127.0.0.1');
    await bot.work();
    expect((await sendText(`${url}/webhook`, '+15550000101', 'boom')).status).to.equal(200);
    expect((await sendText(`${url}/webhook`, '+15550000101', 'fine')).status).to.equal(200);
    await run.until(async () => handled, (list) => list.length === 1);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).to.match(/^rbmkit_queue_enqueue_seconds_count 2$/m);
    expect(text).to.match(/^rbmkit_queue_lag_seconds_count 2$/m);
    expect(text).to.match(/^rbmkit_queue_retries_total 1$/m);
    expect(text).to.match(/^rbmkit_queue_dead_letters_total 1$/m);
    expect(text).to.match(/^rbmkit_queue_depth\{partition="\d"\} \d+$/m);
    expect(handled).to.deep.equal(['fine']);
  });

  it('ingress shutdown answers the pushes in flight only once the broker confirmed them', async () => {
    const queue = run.queue({ stream: `${run.stream}S` });
    const { bot, url } = await run.ingress(queue);
    const sends = Array.from({ length: 20 }, (_, i) => sendText(url, '+15550000102', String(i)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = bot.close();
    const answers = await Promise.all(sends.map((send) => send.catch(() => ({ status: 0 }))));
    await closed;
    const accepted = answers.filter((answer) => answer.status === 200).length;
    expect(answers.every((answer) => answer.status === 200 || answer.status === 503 || answer.status === 0)).to.equal(true);
    const admin = run.queue({ stream: `${run.stream}S` });
    const info = await (await admin.manager()).streams.info(`${run.stream}S`);
    // Every push answered 200 is in the stream.
    expect(info.state.messages).to.be.at.least(accepted);
    await admin.destroy();
  });
});
