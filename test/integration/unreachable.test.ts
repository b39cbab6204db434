import { expect } from 'chai';
import { definePlugin, messages, UserNotReachableError, type Agent, type HandlerContext, type UnreachableNotice } from 'rbmkit';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { recordingLog } from '../dispatch/dispatch-kit.js';

const TOKEN = 'UNREACHABLETOKEN';
const AGENT = 'shop@rbm.goog';
const NO_RCS = '+15550001111';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Replies to every text, and keeps what each send became. */
function replier(outcomes: unknown[]) {
  return definePlugin({
    name: 'replier',
    setup(agent) {
      agent.on('text', async (event, ctx) => {
        try {
          await ctx.reply(`you said ${event.text}`);
          outcomes.push('sent');
        } catch (error) {
          outcomes.push(error);
          throw error;
        }
      });
    },
  });
}

/** Hears `unreachable` notices; `then` runs in its handler. */
function listener(heard: UnreachableNotice[], then?: (notice: UnreachableNotice, ctx: HandlerContext, agent: Agent) => Promise<void>) {
  return definePlugin({
    name: 'listener',
    setup(agent) {
      agent.on('unreachable', async (notice, ctx) => {
        heard.push(notice);
        await then?.(notice, ctx, agent);
      });
    },
  });
}

describe('unreachable: a send Google refuses with 404 reaches the agent\'s plugins', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('ctx.reply: the notice carries the message, its id, the error, the event and the plugin; the send still rejects', async () => {
    const outcomes: unknown[] = [];
    const heard: UnreachableNotice[] = [];
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [replier(outcomes), listener(heard)] } }, { fakeApi: true });
    t.api!.unreachable.add(NO_RCS);
    const answer = await t.push(payloads.text({ text: 'hello', agentId: AGENT, phone: NO_RCS, messageId: 'USER-MSG-1' }));
    // UserNotReachableError is permanent: Google gets 200, no redelivery.
    expect(answer.status).to.equal(200);
    expect(answer.failures.map((f) => [f.plugin, f.error.name])).to.deep.equal([['replier', 'UserNotReachableError']]);
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.be.instanceOf(UserNotReachableError);

    expect(heard).to.have.length(1);
    const notice = heard[0]!;
    const request = t.api!.requests.find((r) => r.path === `/v1/phones/${NO_RCS}/agentMessages`)!;
    expect(request.status).to.equal(404);
    expect(notice).to.deep.include({ type: 'unreachable', agentId: AGENT, phone: NO_RCS, plugin: 'replier', messageId: request.query.messageId });
    expect(notice.messageId).to.match(UUID);
    expect(notice.message).to.deep.equal({ contentMessage: { text: 'you said hello' } });
    expect(notice.error).to.be.instanceOf(UserNotReachableError);
    expect(notice.event).to.deep.include({ type: 'text', id: 'USER-MSG-1', phone: NO_RCS });
  });

  it('agent.client: a proactive send is noticed too, naming the plugin, with no event', async () => {
    const heard: UnreachableNotice[] = [];
    let send: (() => Promise<unknown>) | undefined;
    const campaign = definePlugin({
      name: 'campaign',
      setup(agent) {
        send = () => agent.client.sendMessage({ agentId: agent.id, phone: NO_RCS, message: messages.text('Sale today') });
        agent.on('text', () => undefined);
      },
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [campaign, listener(heard)] } }, { fakeApi: true });
    t.api!.unreachable.add(NO_RCS);
    // The agent's plugins are set up on its first event.
    await t.push(payloads.text({ text: 'hi', agentId: AGENT }));
    const error = await send!().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UserNotReachableError);
    expect(heard).to.have.length(1);
    expect(heard[0]).to.deep.include({ agentId: AGENT, phone: NO_RCS, plugin: 'campaign', message: { contentMessage: { text: 'Sale today' } } });
    expect(heard[0]!.event).to.equal(undefined);
    expect(heard[0]!.messageId).to.equal(t.api!.requests.at(-1)!.query.messageId);
  });

  it('sends made while handling the notice that fail the same way are not notified again (no loop)', async () => {
    const heard: UnreachableNotice[] = [];
    const tries: string[] = [];
    const stubborn = listener(heard, async (notice, ctx, agent) => {
      for (const attempt of [() => ctx.reply('again by RCS'), () => agent.client.sendMessage({ agentId: notice.agentId, phone: notice.phone, message: messages.text('and again') })]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        tries.push((error as Error).name);
      }
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [replier([]), stubborn] } }, { fakeApi: true });
    t.api!.unreachable.add(NO_RCS);
    await t.push(payloads.text({ text: 'hello', agentId: AGENT, phone: NO_RCS }));
    expect(tries).to.deep.equal(['UserNotReachableError', 'UserNotReachableError']);
    expect(heard).to.have.length(1);
    // Three sends reached the fake, each refused 404; each with its own id.
    const sends = t.api!.requests.filter((r) => r.path.endsWith('/agentMessages'));
    expect(sends.map((r) => r.status)).to.deep.equal([404, 404, 404]);
    expect(new Set(sends.map((r) => r.query.messageId)).size).to.equal(3);
  });

  it('with no plugin listening, the core logs it once, the phone number masked', async () => {
    const { log, lines } = recordingLog();
    t = await startTestBot({ logger: log, partner: { clientToken: TOKEN, plugins: [replier([])] } }, { fakeApi: true });
    t.api!.unreachable.add(NO_RCS);
    await t.push(payloads.text({ text: 'hello', agentId: AGENT, phone: NO_RCS }));
    const notices = lines.filter((line) => String(line.msg).includes('no plugin listens to "unreachable"'));
    expect(notices).to.have.length(1);
    expect(notices[0]).to.include({ agentId: AGENT, plugin: 'replier', level: 40 });
    expect(JSON.stringify(lines)).not.to.include(NO_RCS);
  });

  it('a send from a plugin\'s setup that meets the 404 is logged, and the agent still sets up and serves', async () => {
    const { log, lines } = recordingLog();
    const greeter = definePlugin({
      name: 'greeter',
      async setup(agent) {
        // A greeting sent while the agent starts: the user has no RCS.
        await agent.client.sendMessage({ agentId: agent.id, phone: NO_RCS, message: messages.text('We are open') }).catch(() => undefined);
      },
    });
    const outcomes: unknown[] = [];
    t = await startTestBot({ logger: log, partner: { clientToken: TOKEN, plugins: [greeter, replier(outcomes)] } }, { fakeApi: true });
    t.api!.unreachable.add(NO_RCS);
    const answer = await t.push(payloads.text({ text: 'hello', agentId: AGENT }));
    expect(answer.status).to.equal(200);
    expect(outcomes).to.deep.equal(['sent']);
    expect(lines.filter((line) => String(line.msg).includes('no plugin listens to "unreachable"'))).to.have.length(1);
  });

  it('a reachable user hears nothing of it, and sends to others are unaffected', async () => {
    const heard: UnreachableNotice[] = [];
    const outcomes: unknown[] = [];
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [replier(outcomes), listener(heard)] } }, { fakeApi: true });
    await t.push(payloads.text({ text: 'hello', agentId: AGENT }));
    expect(outcomes).to.deep.equal(['sent']);
    expect(heard).to.deep.equal([]);
    expect(t.texts()).to.deep.equal(['you said hello']);
  });
});
