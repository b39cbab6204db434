import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { definePlugin, type MisroutedNotice, type RbmEvent, type RejectedNotice } from 'rbmkit';
import { echo } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { eventually } from '../helpers/recorder.js';

const PARTNER_TOKEN = 'PARTNERTOKEN0001';
const OWN_TOKEN = 'OWNAGENTTOKEN001';
const OWN = 'own@rbm.goog';
const PHONE = '+15550001111';

/** Records, per agent, the events and the misrouted and rejected notices its plugins hear. */
function watcher() {
  const events: Array<{ agent: string; event: RbmEvent }> = [];
  const misrouted: Array<{ agent: string; notice: MisroutedNotice }> = [];
  const rejected: Array<{ agent: string; notice: RejectedNotice }> = [];
  const plugin = definePlugin({
    name: 'watcher',
    setup(agent) {
      agent.on('any', (event) => void events.push({ agent: agent.id, event }));
      agent.on('misrouted', (notice) => void misrouted.push({ agent: agent.id, notice }));
      agent.on('rejected', (notice) => void rejected.push({ agent: agent.id, notice }));
    },
  });
  return { plugin, events, misrouted, rejected };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function metricsText(t: TestBot): Promise<string> {
  return (await fetch(`${t.url}/metrics`)).text();
}

describe('misrouted pushes: for an agent with its own webhook, at the partner webhook (real HTTP, fake RBM API)', () => {
  let t: TestBot;
  let watch: ReturnType<typeof watcher>;
  let out: ReturnType<typeof capture>;

  afterEach(() => t?.close());

  describe('by default (strictWebhooks off)', () => {
    beforeEach(async () => {
      watch = watcher();
      out = capture();
      t = await startTestBot(
        {
          logger: out.logger,
          partner: { path: '/webhook', clientToken: PARTNER_TOKEN, plugins: [echo.with({ markRead: false }), watch.plugin] },
          agents: { [OWN]: { webhook: { path: '/agents/own', clientToken: OWN_TOKEN } } },
        },
        { fakeApi: true },
      );
    });

    it('handles it as usual, tells the agent\'s plugins, counts every one and warns once per agent', async () => {
      for (const [i, text] of ['one', 'two', 'three'].entries()) {
        const answer = await t.push(payloads.text({ agentId: OWN, text, phone: PHONE, messageId: `MIS${i}` }), { token: PARTNER_TOKEN, path: '/webhook' });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        expect(answer.body).to.deep.equal({ status: 'handled' });
      }
      // The replies reached the fake RBM API for the right agent: the push was handled as usual.
      expect(t.api!.messages.map((m) => [m.agentId, m.phone, m.message.contentMessage.text])).to.deep.equal([
        [OWN, PHONE, 'one'],
        [OWN, PHONE, 'two'],
        [OWN, PHONE, 'three'],
      ]);
      await eventually(() => watch.misrouted.length === 3);
      expect(watch.misrouted[0]!.agent).to.equal(OWN);
      expect(watch.misrouted[0]!.notice).to.deep.include({ type: 'misrouted', agentId: OWN, webhook: '/webhook', expectedWebhook: '/agents/own', status: 200 });
      expect(watch.misrouted.map((m) => m.notice.event.type === 'text' && m.notice.event.text)).to.deep.equal(['one', 'two', 'three']);
      expect(t.bot.stats().misrouted).to.equal(3);
      expect(await metricsText(t)).to.include(`rbmkit_pushes_misrouted_total{agent="${OWN}"} 3`);
      const warnings = out.lines.filter((line) => line.level === 40 && /came to the partner webhook/.test(String(line.msg)));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include({ agentId: OWN, webhook: '/webhook', expectedWebhook: '/agents/own', status: 200 });
      expect(String(warnings[0]!.msg)).to.include('expected it at its own webhook /agents/own');
    });

    it('counts nothing for an agent without a webhook of its own, nor for a push at the agent\'s own webhook', async () => {
      expect((await t.push(payloads.text({ agentId: 'other@rbm.goog', text: 'a', phone: PHONE }), { token: PARTNER_TOKEN })).status).to.equal(200);
      expect((await t.push(payloads.text({ agentId: OWN, text: 'b', phone: PHONE }), { token: OWN_TOKEN, path: '/agents/own' })).status).to.equal(200);
      expect(t.api!.texts()).to.deep.equal(['a', 'b']);
      expect(t.bot.stats().misrouted).to.equal(0);
      expect(watch.misrouted).to.deep.equal([]);
      expect(await metricsText(t)).not.to.match(/rbmkit_pushes_misrouted_total\{/);
    });

    it('warns again after the agent\'s webhook changed, once', async () => {
      await t.push(payloads.text({ agentId: OWN, text: 'x', phone: PHONE }), { token: PARTNER_TOKEN });
      t.bot.agents.set(OWN, { webhook: { path: '/agents/own-v2', clientToken: OWN_TOKEN } });
      await t.push(payloads.text({ agentId: OWN, text: 'y', phone: PHONE }), { token: PARTNER_TOKEN });
      await t.push(payloads.text({ agentId: OWN, text: 'z', phone: PHONE }), { token: PARTNER_TOKEN });
      const warnings = out.lines.filter((line) => /came to the partner webhook/.test(String(line.msg))).map((line) => line.expectedWebhook);
      expect(warnings).to.deep.equal(['/agents/own', '/agents/own-v2']);
      expect(t.bot.stats().misrouted).to.equal(3);
    });

    it('refuses, as before, a push at an agent webhook that names another agent, and both answers name where pushes belong', async () => {
      const answer = await t.push(payloads.text({ agentId: 'other@rbm.goog', text: 'x', phone: PHONE }), { token: OWN_TOKEN, path: '/agents/own' });
      expect(answer.status).to.equal(403);
      expect(answer.body).to.deep.equal({
        error: 'agent_mismatch',
        message:
          'the signed data names agent "other@rbm.goog"; expected pushes for this webhook\'s own agent "own@rbm.goog" only (pushes for "other@rbm.goog" belong at its own webhook or the partner webhook)',
      });
      await eventually(() => watch.rejected.length === 1);
      expect(watch.rejected[0]).to.deep.include({ agent: OWN });
      expect(watch.rejected[0]!.notice).to.include({ reason: 'agent_mismatch', status: 403, claimedAgentId: 'other@rbm.goog' });
      expect(t.api!.messages).to.deep.equal([]);
    });
  });

  describe('strictWebhooks: true', () => {
    beforeEach(async () => {
      watch = watcher();
      out = capture();
      t = await startTestBot(
        {
          logger: out.logger,
          strictWebhooks: true,
          partner: { path: '/webhook', clientToken: PARTNER_TOKEN, plugins: [echo.with({ markRead: false }), watch.plugin] },
          agents: { [OWN]: { webhook: { path: '/agents/own', clientToken: OWN_TOKEN } } },
        },
        { fakeApi: true },
      );
    });

    it('answers 403 misrouted naming the agent\'s webhook, runs no event handler, and still notifies and counts', async () => {
      const answer = await t.push(payloads.text({ agentId: OWN, text: 'nope', phone: PHONE }), { token: PARTNER_TOKEN });
      expect(answer.status).to.equal(403);
      expect(answer.body).to.deep.equal({
        error: 'misrouted',
        message:
          'the signed data names agent "own@rbm.goog", which has its own webhook; expected pushes for "own@rbm.goog" at /agents/own, not at the partner webhook /webhook (strictWebhooks is on)',
      });
      await eventually(() => watch.misrouted.length === 1);
      expect(watch.misrouted[0]!.notice).to.include({ agentId: OWN, status: 403, expectedWebhook: '/agents/own' });
      expect(watch.events).to.deep.equal([]);
      expect(t.api!.messages).to.deep.equal([]);
      expect(t.bot.stats()).to.include({ misrouted: 1, handled: 0 });
      // The agent's own webhook, and other agents at the partner webhook, are served as usual.
      expect((await t.push(payloads.text({ agentId: OWN, text: 'own', phone: PHONE }), { token: OWN_TOKEN, path: '/agents/own' })).status).to.equal(200);
      expect((await t.push(payloads.text({ agentId: 'other@rbm.goog', text: 'other', phone: PHONE }), { token: PARTNER_TOKEN })).status).to.equal(200);
      expect(t.api!.texts()).to.deep.equal(['own', 'other']);
    });
  });

  describe('which plugins an agent with its own webhook runs', () => {
    it('the partner defaults when it has no plugins of its own; exactly its own list when it has one', async () => {
      watch = watcher();
      const own = definePlugin({ name: 'own-plugin', setup: (agent) => void agent.on('text', (event, ctx) => ctx.reply(`own: ${event.text}`)) });
      t = await startTestBot(
        {
          partner: { path: '/webhook', clientToken: PARTNER_TOKEN, plugins: [echo.with({ markRead: false }), watch.plugin] },
          agents: {
            [OWN]: { webhook: { path: '/agents/own', clientToken: OWN_TOKEN } },
            'listed@rbm.goog': { webhook: { path: '/agents/listed', clientToken: OWN_TOKEN }, plugins: [own] },
          },
        },
        { fakeApi: true },
      );
      expect(t.bot.agents.pluginsOf(OWN)).to.deep.equal(['echo', 'watcher']);
      expect(t.bot.agents.pluginsOf('listed@rbm.goog')).to.deep.equal(['own-plugin']);
      expect((await t.push(payloads.text({ agentId: OWN, text: 'hi', phone: PHONE }), { token: OWN_TOKEN, path: '/agents/own' })).status).to.equal(200);
      expect((await t.push(payloads.text({ agentId: 'listed@rbm.goog', text: 'yo', phone: PHONE }), { token: OWN_TOKEN, path: '/agents/listed' })).status).to.equal(200);
      expect(t.api!.messages.map((m) => [m.agentId, m.message.contentMessage.text])).to.deep.equal([
        [OWN, 'hi'],
        ['listed@rbm.goog', 'own: yo'],
      ]);
      expect(watch.events.map((e) => e.agent)).to.deep.equal([OWN]);
    });
  });
});
