// One plugin claims an event: later plugins and fallbacks do not get it, observers do, and a
// redelivery keeps the claim once the claimer completed the event.
import { expect } from 'chai';
import { definePlugin, type Plugin } from 'rbmkit';
import { echo, keywords } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { dispatcherOf, eventOf, gate, runtimeOf } from './dispatch-kit.js';

const TOKEN = 'CLAIMTOKEN000001';

/** A plugin that writes `name:text` to `log` for each text, claims texts starting with `claims`, and fails texts naming it while `failing`. */
function recorder(name: string, log: string[], options: { claims?: string; stage?: 'observe' | 'handle' | 'fallback'; delayMs?: number; failing?: () => boolean } = {}): Plugin {
  return definePlugin({
    name,
    setup: (agent) =>
      void agent.on(
        'text',
        async (event, ctx) => {
          log.push(`${name}:start`);
          if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
          if (options.claims !== undefined && event.text.startsWith(options.claims)) ctx.claim();
          if (options.failing?.() === true && event.text.includes(name)) throw new Error(`${name} planned failure`);
          log.push(`${name}:end`);
        },
        options.stage === undefined ? undefined : { stage: options.stage },
      ),
  });
}

describe('claiming an event', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('runs plugins one after another in list order; a claim stops the rest, observers still see it', async () => {
    const log: string[] = [];
    t = await startTestBot({
      partner: {
        clientToken: TOKEN,
        plugins: [recorder('a', log, { delayMs: 20 }), recorder('b', log, { claims: 'mine' }), recorder('c', log), recorder('audit', log, { stage: 'observe' })],
      },
    });
    await t.push(payloads.text({ text: 'hello' }));
    // The observer first; then a (slow) finishes before b starts.
    expect(log).to.deep.equal(['audit:start', 'audit:end', 'a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    log.length = 0;
    await t.push(payloads.text({ text: 'mine please' }));
    expect(log).to.deep.equal(['audit:start', 'audit:end', 'a:start', 'a:end', 'b:start', 'b:end']);
  });

  it('fallbacks run after every handler, wherever they stand in the list, and only for an unclaimed event', async () => {
    const log: string[] = [];
    t = await startTestBot({
      partner: { clientToken: TOKEN, plugins: [recorder('fb', log, { stage: 'fallback' }), recorder('h', log, { claims: 'mine' })] },
    });
    await t.push(payloads.text({ text: 'other' }));
    expect(log).to.deep.equal(['h:start', 'h:end', 'fb:start', 'fb:end']);
    log.length = 0;
    await t.push(payloads.text({ text: 'mine' }));
    expect(log).to.deep.equal(['h:start', 'h:end']);
  });

  it('keywords and echo: a matched keyword is answered once, by keywords, even with echo listed first', async () => {
    t = await startTestBot({
      partner: { clientToken: TOKEN, plugins: [echo.with({ markRead: false }), keywords.with({ routes: [{ match: 'menu', reply: 'Today: pho' }] })] },
    });
    await t.push(payloads.text({ text: 'menu', phone: '+15550000001' }));
    await t.push(payloads.text({ text: 'hello', phone: '+15550000001' }));
    expect(t.texts()).to.deep.equal(['Today: pho', 'hello']);
  });

  it('the keywords fallback answers what no route matched, and echo then stays quiet', async () => {
    t = await startTestBot({
      partner: {
        clientToken: TOKEN,
        plugins: [keywords.with({ routes: [{ match: 'menu', reply: 'Today: pho' }], fallback: { reply: 'Type MENU' } }), echo.with({ markRead: false })],
      },
    });
    await t.push(payloads.text({ text: 'hello' }));
    expect(t.texts()).to.deep.equal(['Type MENU']);
  });

  it('a handler that fails stops no other handler, but no fallback answers that delivery (it may have been about to claim)', async () => {
    const log: string[] = [];
    let failing = true;
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [recorder('z', log, { failing: () => failing }), recorder('after', log), recorder('fb', log, { stage: 'fallback' })] } });
    const push = payloads.text({ text: 'z here', messageId: 'CLAIM-STOPPED' });
    expect((await t.push(push)).failures.map((failure) => failure.plugin)).to.deep.equal(['z']);
    expect(log).to.deep.equal(['z:start', 'after:start', 'after:end']);
    log.length = 0;
    failing = false;
    await t.push(push);
    expect(log).to.deep.equal(['z:start', 'z:end', 'fb:start', 'fb:end']);
  });

  it('a redelivery keeps a completed claim: a failed observer runs again, the plugins after the claimer still do not', async () => {
    const log: string[] = [];
    let failing = true;
    t = await startTestBot({
      partner: { clientToken: TOKEN, plugins: [recorder('z', log, { failing: () => failing, stage: 'observe' }), recorder('claimer', log, { claims: 'mine' }), recorder('after', log)] },
    });
    const push = payloads.text({ text: 'mine z', messageId: 'CLAIM-REDELIVERED' });
    const first = await t.push(push);
    expect(first.failures.map((failure) => failure.plugin)).to.deep.equal(['z']);
    expect(log).to.deep.equal(['z:start', 'claimer:start', 'claimer:end']);
    log.length = 0;
    failing = false;
    expect((await t.push(push)).status).to.equal(200);
    expect(log).to.deep.equal(['z:start', 'z:end']);
  });

  it('a claimer that fails after claiming still stops the rest; its redelivery decides again', async () => {
    const log: string[] = [];
    let failing = true;
    t = await startTestBot({
      partner: { clientToken: TOKEN, plugins: [recorder('claimer', log, { claims: 'mine', failing: () => failing }), recorder('after', log)] },
    });
    const push = payloads.text({ text: 'mine claimer', messageId: 'CLAIM-FAILED' });
    expect((await t.push(push)).failures.map((failure) => failure.plugin)).to.deep.equal(['claimer']);
    expect(log).to.deep.equal(['claimer:start']);
    log.length = 0;
    failing = false;
    await t.push(push);
    expect(log).to.deep.equal(['claimer:start', 'claimer:end']);
  });

  it('an observer or a notice handler cannot claim: the call throws, naming why', async () => {
    const errors: string[] = [];
    const sneaky = definePlugin({
      name: 'sneaky',
      setup(agent) {
        agent.on('text', (_event, ctx) => ctx.claim(), { stage: 'observe' });
        agent.on('settled', (_notice, ctx) => {
          try {
            ctx.claim();
          } catch (error) {
            errors.push((error as Error).message);
          }
        });
      },
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [sneaky, echo.with({ markRead: false })] } });
    const answer = await t.push(payloads.text({ text: 'hi' }));
    expect(answer.failures.map((failure) => failure.error.message)).to.deep.equal([
      'ctx.claim(): expected a "handle" or "fallback" handler of an event; this is an "observe" handler, which cannot claim',
    ]);
    expect(errors).to.deep.equal(['ctx.claim(): expected a "handle" or "fallback" handler of an event; this is the "settled" notice, which cannot claim']);
    // The observer's failure claimed nothing: echo still answered.
    expect(t.texts()).to.deep.equal(['hi']);
  });

  it('refuses an unknown stage when subscribing, naming the valid ones', async () => {
    const bad = definePlugin({ name: 'bad', setup: (agent) => void agent.on('text', () => undefined, { stage: 'later' as never }) });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [bad] } });
    const answer = await t.push(payloads.text({ text: 'hi' }));
    expect(answer.failures[0]!.error.message).to.equal('agent.on("text"): expected options.stage to be "observe", "handle" or "fallback", got "later"');
  });

  it('a holder that lost the event mid-way starts no later plugin: its new holder runs them', async () => {
    const log: string[] = [];
    const hold = gate();
    let current = true;
    const first = definePlugin({ name: 'first', setup: (agent) => void agent.on('text', () => hold.promise.then(() => void log.push('first'))) });
    const { dispatcher } = dispatcherOf();
    const runtime = runtimeOf([first.with({}), recorder('later', log).with({})]);
    const outcome = dispatcher.deliver(runtime, eventOf(payloads.text({ text: 'x', agentId: 'shop@rbm.goog' })), { current: () => current });
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = false;
    hold.open();
    expect(await outcome).to.deep.equal({ status: 'lost' });
    expect(log).to.deep.equal(['first']);
  });

  it("one plugin's failed observer does not lose the claim its handler made", async () => {
    let failing = true;
    const both = definePlugin({
      name: 'both',
      setup(agent) {
        agent.on('text', () => {
          if (failing) throw new Error('observer down');
        }, { stage: 'observe' });
        agent.on('text', async (_event, ctx) => {
          await ctx.reply('both answers');
          ctx.claim();
        });
      },
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [both, echo.with({ markRead: false })] } });
    const push = payloads.text({ text: 'hi', messageId: 'CLAIM-OBSERVER' });
    expect((await t.push(push)).failures.map((failure) => failure.plugin)).to.deep.equal(['both']);
    failing = false;
    await t.push(push);
    expect(t.texts()).to.deep.equal(['both answers']);
  });
});
