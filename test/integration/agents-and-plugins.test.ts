import { expect } from 'chai';
import { definePlugin, type HandlerContext } from 'rbmkit';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { eventually } from '../helpers/recorder.js';

const TOKEN = 'PARTNERTOKEN0001';

/** A plugin that answers every text with `${name}:${text}`, counting its instances. */
function replier(name: string) {
  const state = { instances: 0, teardowns: 0, agents: [] as string[] };
  const plugin = definePlugin({
    name,
    setup(agent) {
      state.instances += 1;
      state.agents.push(agent.id);
      let count = 0; // per-instance state: must never leak across agents
      agent.on('text', async (event, ctx) => {
        count += 1;
        await ctx.reply(`${name}:${event.text}:${count}`);
      });
      return () => {
        state.teardowns += 1;
      };
    },
  });
  return { plugin, state };
}

describe('agents and plugins', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  describe('the partner-default cascade', () => {
    it('gives an agent with its own list exactly that list, and every other agent the defaults', async () => {
      const echoA = replier('default');
      const own = replier('own');
      t = await startTestBot({
        partner: { clientToken: TOKEN, plugins: [echoA.plugin] },
        agents: { 'own@rbm.goog': { plugins: [own.plugin] }, 'configured@rbm.goog': {} },
      });
      await t.push(payloads.text({ agentId: 'own@rbm.goog', text: 'a' }));
      await t.push(payloads.text({ agentId: 'configured@rbm.goog', text: 'b' }));
      await t.push(payloads.text({ agentId: 'never-configured@rbm.goog', text: 'c' }));
      expect(t.client.texts()).to.deep.equal(['own:a:1', 'default:b:1', 'default:c:1']);
      expect(t.bot.agents.pluginsOf('own@rbm.goog')).to.deep.equal(['own']);
      expect(t.bot.agents.pluginsOf('never-configured@rbm.goog')).to.deep.equal(['default']);
    });

    it('an empty own list means no plugins at all, not the defaults', async () => {
      const d = replier('default');
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [d.plugin] }, agents: { 'mute@rbm.goog': { plugins: [] } } });
      expect((await t.push(payloads.text({ agentId: 'mute@rbm.goog', text: 'a' }))).status).to.equal(200);
      expect(t.client.texts()).to.deep.equal([]);
    });

    it('extendDefaults keeps the defaults and adds the agent\'s own, replacing a default of the same key', async () => {
      const log = replier('log');
      const greet = replier('greet');
      const ownGreet = replier('greet');
      const extra = replier('extra');
      t = await startTestBot({
        partner: { clientToken: TOKEN, plugins: [log.plugin, greet.plugin] },
        agents: { 'x@rbm.goog': { extendDefaults: true, plugins: [ownGreet.plugin.with({}), extra.plugin] } },
      });
      expect(t.bot.agents.pluginsOf('x@rbm.goog')).to.deep.equal(['log', 'greet', 'extra']);
      await t.push(payloads.text({ agentId: 'x@rbm.goog', text: 'a' }));
      expect(greet.state.instances).to.equal(0);
      expect(ownGreet.state.instances).to.equal(1);
      expect(t.client.texts()).to.have.members(['log:a:1', 'greet:a:1', 'extra:a:1']);
    });

    it('makes one instance per agent, lazily, and reuses it: state never leaks across agents', async () => {
      const r = replier('r');
      const agents = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`agent${i}@rbm.goog`, { plugins: [r.plugin] }]));
      t = await startTestBot({ partner: { clientToken: TOKEN }, agents });
      expect(r.state.instances).to.equal(0);
      await t.push(payloads.text({ agentId: 'agent1@rbm.goog', text: 'a' }));
      await t.push(payloads.text({ agentId: 'agent1@rbm.goog', text: 'b' }));
      await t.push(payloads.text({ agentId: 'agent2@rbm.goog', text: 'c' }));
      expect(r.state.instances).to.equal(2);
      expect(t.client.texts()).to.deep.equal(['r:a:1', 'r:b:2', 'r:c:1']);
    });

    it('applies an agent change on the next event and tears the old instances down', async () => {
      const before = replier('before');
      const after = replier('after');
      const d = replier('default');
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [d.plugin] }, agents: { 'a@rbm.goog': { plugins: [before.plugin] } } });
      await t.push(payloads.text({ agentId: 'a@rbm.goog', text: '1' }));
      t.bot.agents.set('a@rbm.goog', { plugins: [after.plugin] });
      await eventually(() => before.state.teardowns === 1);
      await t.push(payloads.text({ agentId: 'a@rbm.goog', text: '2' }));
      t.bot.agents.remove('a@rbm.goog');
      await eventually(() => after.state.teardowns === 1);
      await t.push(payloads.text({ agentId: 'a@rbm.goog', text: '3' }));
      t.bot.agents.setDefaults([]);
      await eventually(() => d.state.teardowns === 1);
      await t.push(payloads.text({ agentId: 'a@rbm.goog', text: '4' }));
      expect(t.client.texts()).to.deep.equal(['before:1:1', 'after:2:1', 'default:3:1']);
    });

    it('adds and removes an agent webhook while running', async () => {
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [replier('d').plugin] } });
      const push = () => t!.push(payloads.text({ agentId: 'late@rbm.goog', text: 'x' }), { path: '/late', token: 'LATETOKEN' });
      expect((await push()).status).to.equal(404);
      t.bot.agents.set('late@rbm.goog', { webhook: { path: '/late', clientToken: 'LATETOKEN' } });
      expect((await push()).status).to.equal(200);
      t.bot.agents.remove('late@rbm.goog');
      expect((await push()).status).to.equal(404);
      expect(t.bot.webhooks()).to.deep.equal(['/webhook']);
    });

    it('runs teardowns on close', async () => {
      const r = replier('r');
      const bot = await startTestBot({ partner: { clientToken: TOKEN, plugins: [r.plugin] } });
      await bot.push(payloads.text({ text: 'x' }));
      await bot.close();
      expect(r.state.teardowns).to.equal(1);
    });
  });

  describe('dispatch', () => {
    it('isolates plugins: a throwing and a hanging one do not stop a healthy one; one error names them', async () => {
      const thrower = definePlugin({ name: 'thrower', setup: (a) => void a.on('text', () => { throw new Error('boom'); }) });
      const hanger = definePlugin({ name: 'hanger', setup: (a) => void a.on('text', () => new Promise(() => undefined)) });
      const healthy = replier('healthy');
      const failures: string[][] = [];
      const watcher = definePlugin({ name: 'watcher', setup: (a) => void a.on('failed', (n) => void failures.push([...n.plugins, n.error.message])) });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [thrower, hanger, healthy.plugin, watcher] }, handlerTimeoutMs: 100 });
      const response = await t.push(payloads.text({ text: 'x', messageId: 'M1' }));
      expect(response.status).to.equal(500);
      expect((response.body as { message: string }).message).to.equal('plugins failed: thrower, hanger; a redelivery will run only those again');
      expect(t.client.texts()).to.deep.equal(['healthy:x:1']);
      expect(failures).to.have.length(1);
      expect(failures[0]!.slice(0, 2)).to.deep.equal(['thrower', 'hanger']);
      expect(failures[0]![2]).to.equal('plugins failed on text event "M1": thrower, hanger');
    });

    it('awaits every handler of a plugin in order and aborts ctx.signal at the time limit', async () => {
      const order: string[] = [];
      let aborted = false;
      const slow = definePlugin({
        name: 'slow',
        setup(a) {
          a.on('text', async () => {
            await new Promise((r) => setTimeout(r, 20));
            order.push('first');
          });
          a.on('message', () => void order.push('second'));
          a.on('any', (_e, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => { aborted = true; resolve(undefined); })));
        },
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [slow] }, handlerTimeoutMs: 100 });
      expect((await t.push(payloads.text({ text: 'x' }))).status).to.equal(500);
      expect(order).to.deep.equal(['first', 'second']);
      expect(aborted).to.equal(true);
    });

    it('gives handlers agent, phone, delivery, a logger, reply, markRead and typing', async () => {
      let seen: HandlerContext | undefined;
      const p = definePlugin({
        name: 'ctx',
        setup(a) {
          a.on('text', async (_e, ctx) => {
            seen = ctx;
            ctx.log.info('hello');
            await ctx.markRead();
            await ctx.typing();
            await ctx.reply({ text: 'chips', suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }] });
          });
        },
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [p] } });
      await t.push(payloads.text({ agentId: 'c@rbm.goog', phone: '+15550001111', text: 'x', messageId: 'USER-MSG' }), { pushId: 'PUSH-1' });
      expect(seen).to.include({ agentId: 'c@rbm.goog', phone: '+15550001111' });
      expect(seen!.delivery).to.deep.equal({ pushId: 'PUSH-1', eventId: 'USER-MSG', attempt: 1, redelivery: false });
      const sent = t.client.sent.map((s) => (s.kind === 'event' ? s.event : s.message));
      expect(sent).to.deep.equal([
        { eventType: 'READ', messageId: 'USER-MSG' },
        { eventType: 'IS_TYPING' },
        { contentMessage: { text: 'chips', suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }] } },
      ]);
      expect(t.client.sent.every((s) => s.agentId === 'c@rbm.goog' && s.phone === '+15550001111')).to.equal(true);
    });

    it('markRead on an event that is not a user message fails clearly', async () => {
      let message = '';
      const p = definePlugin({ name: 'p', setup: (a) => void a.on('read', (_e, ctx) => ctx.markRead().catch((e: Error) => { message = e.message; })) });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [p] } });
      await t.push(payloads.userEvent({ eventType: 'READ' }));
      expect(message).to.equal('ctx.markRead(): expected a user message with a messageId (text, suggestion, location or file)');
    });

    it('retries a plugin whose setup failed on the next event', async () => {
      let calls = 0;
      const flaky = definePlugin({
        name: 'flaky',
        setup(a) {
          calls += 1;
          if (calls === 1) throw new Error('database not ready');
          a.on('text', (e, ctx) => ctx.reply(`ok:${e.text}`));
        },
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [flaky] } });
      expect((await t.push(payloads.text({ text: 'a', messageId: 'A' }))).status).to.equal(500);
      expect((await t.push(payloads.text({ text: 'a', messageId: 'A' }))).status).to.equal(200);
      expect(t.client.texts()).to.deep.equal(['ok:a']);
    });
  });

  describe('delivered once, lost never', () => {
    it('a redelivery after a partial failure reruns only the failed plugin', async () => {
      const good = replier('good');
      let attempts: Array<{ attempt: number; redelivery: boolean }> = [];
      const flaky = definePlugin({
        name: 'flaky',
        setup(a) {
          a.on('text', async (e, ctx) => {
            attempts.push({ attempt: ctx.delivery.attempt, redelivery: ctx.delivery.redelivery });
            if (attempts.length === 1) throw new Error('downstream 503');
            await ctx.reply(`flaky:${e.text}`);
          });
        },
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [good.plugin, flaky] } });
      const payload = payloads.text({ text: 'x', messageId: 'SAME' });
      expect((await t.push(payload)).status).to.equal(500);
      expect((await t.push(payload)).status).to.equal(200);
      expect(t.client.texts()).to.deep.equal(['good:x:1', 'flaky:x']);
      expect(attempts).to.deep.equal([{ attempt: 1, redelivery: false }, { attempt: 2, redelivery: true }]);
      const third = await t.push(payload);
      expect(third).to.deep.include({ status: 200, body: { status: 'duplicate' } });
      expect(t.client.texts()).to.have.length(2);
    });

    it('a duplicate push is answered 200 without a second dispatch', async () => {
      const r = replier('r');
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [r.plugin] } });
      const payload = payloads.text({ text: 'x', messageId: 'DUP' });
      expect((await t.push(payload)).body).to.deep.equal({ status: 'handled' });
      expect(await t.push(payload)).to.deep.include({ status: 200, body: { status: 'duplicate' } });
      expect(t.client.texts()).to.deep.equal(['r:x:1']);
      expect(t.bot.stats()).to.include({ handled: 1, duplicate: 1 });
    });

    it('dedupes user events on eventId and phone, so READ and DELIVERED of one message both count', async () => {
      const events: string[] = [];
      const p = definePlugin({ name: 'p', setup: (a) => void a.on('userEvent', (e) => void events.push(`${e.type}:${e.phone}`)) });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [p] } });
      await t.push(payloads.userEvent({ eventType: 'DELIVERED', eventId: 'E1', messageId: 'AGENT-MSG' }));
      await t.push(payloads.userEvent({ eventType: 'READ', eventId: 'E2', messageId: 'AGENT-MSG' }));
      await t.push(payloads.userEvent({ eventType: 'READ', eventId: 'E2', messageId: 'AGENT-MSG' }));
      await t.push(payloads.userEvent({ eventType: 'READ', eventId: 'E2', messageId: 'AGENT-MSG', phone: '+19998887777' }));
      expect(events).to.deep.equal(['delivered:+12223334444', 'read:+12223334444', 'read:+19998887777']);
    });

    it('concurrent duplicates dispatch once', async () => {
      let runs = 0;
      const slow = definePlugin({
        name: 'slow',
        setup: (a) =>
          void a.on('text', async () => {
            runs += 1;
            await new Promise((r) => setTimeout(r, 100));
          }),
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [slow] } });
      const payload = payloads.text({ text: 'x', messageId: 'CONCURRENT' });
      const responses = await Promise.all(Array.from({ length: 8 }, () => t!.push(payload)));
      expect(runs).to.equal(1);
      expect(responses.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
      expect(responses.filter((r) => (r.body as { status: string }).status === 'handled')).to.have.length(1);
    });

    it('a permanent error is reported and answered 200, and not rerun', async () => {
      let runs = 0;
      const strict = definePlugin({
        name: 'strict',
        setup: (a) =>
          void a.on('text', () => {
            runs += 1;
            throw Object.assign(new Error('unsupported language'), { permanent: true });
          }),
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [strict] } });
      const payload = payloads.text({ text: 'x', messageId: 'P' });
      expect(await t.push(payload)).to.deep.include({ status: 200, body: { status: 'failed_permanently', plugins: ['strict'] } });
      expect((await t.push(payload)).body).to.deep.equal({ status: 'duplicate' });
      expect(runs).to.equal(1);
    });

    it('past the ack deadline answers 503, lets the handler finish, and the redelivery finds it done', async () => {
      let finished = 0;
      const slow = definePlugin({
        name: 'slow',
        setup: (a) =>
          void a.on('text', async (e, ctx) => {
            await new Promise((r) => setTimeout(r, 300));
            await ctx.reply(`done:${e.text}`);
            finished += 1;
          }),
      });
      t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [slow] }, ackDeadlineMs: 100 });
      const payload = payloads.text({ text: 'x', messageId: 'SLOW' });
      const first = await t.push(payload);
      expect(first.status).to.equal(503);
      expect(first.body).to.have.property('error', 'still_running');
      expect(first.headers.get('retry-after')).to.equal('10');
      const whileRunning = await t.push(payload);
      expect(whileRunning.status).to.equal(503);
      await new Promise((r) => setTimeout(r, 300));
      expect(await t.push(payload)).to.deep.include({ status: 200, body: { status: 'duplicate' } });
      expect(finished).to.equal(1);
      expect(t.client.texts()).to.deep.equal(['done:x']);
    });

    it('close() waits for handlers still running', async () => {
      let finished = false;
      const slow = definePlugin({ name: 'slow', setup: (a) => void a.on('text', async () => { await new Promise((r) => setTimeout(r, 200)); finished = true; }) });
      const bot = await startTestBot({ partner: { clientToken: TOKEN, plugins: [slow] }, ackDeadlineMs: 50 });
      expect((await bot.push(payloads.text({ text: 'x' }))).status).to.equal(503);
      await bot.close();
      expect(finished).to.equal(true);
    });
  });
});
