// processBeforeResponse (serverless): the answer waits for every plugin and every notice the
// request started, since the platform freezes the CPU once it is sent.
import { expect } from 'chai';
import { definePlugin, type BotConfig, type PluginSpec } from 'rbmkit';
import { payloads, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'SJENCPGJESMGUFPY';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('processBeforeResponse', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** A plugin that takes `ms` over each text and each rejected notice, and notes when it finished. */
  function slowPlugin(ms: number) {
    const done: string[] = [];
    const plugin = definePlugin({
      name: 'slow',
      setup(agent) {
        agent.on('text', async (event) => {
          await sleep(ms);
          done.push(`text:${event.text}`);
        });
        agent.on('rejected', async (notice) => {
          await sleep(ms);
          done.push(`rejected:${notice.reason}`);
        });
      },
    });
    return { plugin, done };
  }

  const start = (config: Partial<BotConfig>, plugins: PluginSpec[]) =>
    startTestBot({ partner: { clientToken: TOKEN, plugins }, ackDeadlineMs: 50, ...config });

  it('answers 200 only once a plugin slower than ackDeadlineMs finished (503 still_running without it)', async () => {
    const slow = slowPlugin(400);
    t = await start({}, [slow.plugin]);
    const hurried = await t.push(payloads.text({ text: 'a' }));
    expect(hurried.status).to.equal(503);
    expect(hurried.body).to.deep.include({ error: 'still_running' });
    await t.close();

    const waited = slowPlugin(400);
    t = await start({ processBeforeResponse: true }, [waited.plugin]);
    const answer = await t.push(payloads.text({ text: 'b' }));
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'handled' });
    expect(waited.done).to.deep.equal(['text:b']);
  });

  it('answers 500 when a plugin failed after ackDeadlineMs, and the redelivery runs only that plugin again', async () => {
    let attempts = 0;
    const flaky = definePlugin({
      name: 'flaky',
      setup: (agent) =>
        void agent.on('text', async () => {
          attempts += 1;
          // Slower than ackDeadlineMs: without processBeforeResponse this would be a 503 still_running.
          await sleep(200);
          if (attempts === 1) throw new Error('the database is down');
        }),
    });
    const slow = slowPlugin(10);
    t = await start({ processBeforeResponse: true }, [slow.plugin, flaky]);
    const push = signedPush(payloads.text({ text: 'c' }), { token: TOKEN });
    const first = await t.postRaw('/webhook', push.body, push.headers);
    expect(first.status).to.equal(500);
    expect(first.body).to.deep.include({ error: 'plugin_failed' });
    const again = await t.postRaw('/webhook', push.body, push.headers);
    expect(again.status).to.equal(200);
    expect(attempts).to.equal(2);
    expect(slow.done).to.deep.equal(['text:c']);
  });

  it('answers undeliverable data only once the plugins were told of it (the undeliverable notice)', async () => {
    const heard: string[] = [];
    const listener = definePlugin({
      name: 'listener',
      setup: (agent) =>
        void agent.on('undeliverable', async (notice) => {
          await sleep(500);
          heard.push(notice.reason);
        }),
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [listener] }, processBeforeResponse: true, undeliverablePolicy: 'deadLetter' });
    const answer = await t.push('not json at all');
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.include({ status: 'undeliverable', reason: 'bad_data' });
    expect(heard).to.deep.equal(['bad_data']);
  });

  it('answers a forged push only once the plugins were told of it (the rejected notice)', async () => {
    const slow = slowPlugin(500);
    t = await start({ processBeforeResponse: true }, [slow.plugin]);
    const forged = await t.push(payloads.text({ text: 'forged' }), { token: 'NOTTHETOKEN00000' });
    expect(forged.status).to.equal(401);
    expect(slow.done).to.deep.equal(['rejected:bad_signature']);
  });
});
