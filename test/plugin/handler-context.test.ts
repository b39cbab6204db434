import { expect } from 'chai';
import { MemoryRbmClient, MemorySessionStore } from 'rbmkit';
import { payloads } from 'rbmkit/testing';
import { AgentRuntime } from '../../core/dispatch/agent-runtime.js';
import { dedupeKey } from '../../core/dispatch/dedupe-key.js';
import { EventContext, handlerClient, sharedEventState, toAgentMessage } from '../../core/plugin/handler-context.js';
import { AGENT, ALICE, eventOf, FIRST, recordingLog, runtimeOf, sharedState, silentLog } from '../dispatch/dispatch-kit.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A context for `plugin` on a test event, with the memory client and store it uses. */
function contextOf(plugin = 'echo', overrides: Parameters<typeof sharedState>[0] = {}) {
  const client = new MemoryRbmClient();
  const sessions = new MemorySessionStore();
  const shared = sharedState({ client, sessions, ...overrides });
  return { ctx: new EventContext(shared, plugin), client, sessions, shared };
}

const rejection = async (pending: () => Promise<unknown>): Promise<Error> => {
  const error = await pending().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(TypeError);
  return error as Error;
};

describe('EventContext', () => {
  it('shows the event\'s agent, user, delivery and client', () => {
    const { ctx, client } = contextOf();
    expect({ agentId: ctx.agentId, phone: ctx.phone, delivery: ctx.delivery }).to.deep.equal({ agentId: AGENT, phone: ALICE, delivery: FIRST });
    expect(ctx.client).to.equal(client);
  });

  it('replies to the user with text, a content message or a whole AgentMessage', async () => {
    const { ctx, client } = contextOf();
    await ctx.reply('hi');
    await ctx.reply({ text: 'pick', suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }] });
    await ctx.reply({ contentMessage: { text: 'whole' }, ttl: '60s' });
    expect(client.sent.map((item) => ({ kind: item.kind, agentId: item.agentId, phone: item.phone, message: item.kind === 'message' ? item.message : undefined }))).to.deep.equal([
      { kind: 'message', agentId: AGENT, phone: ALICE, message: { contentMessage: { text: 'hi' } } },
      { kind: 'message', agentId: AGENT, phone: ALICE, message: { contentMessage: { text: 'pick', suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }] } } },
      { kind: 'message', agentId: AGENT, phone: ALICE, message: { contentMessage: { text: 'whole' }, ttl: '60s' } },
    ]);
    expect(toAgentMessage('x')).to.deep.equal({ contentMessage: { text: 'x' } });
  });

  it('names its sends so a rerun repeats them exactly: same event and plugin, same n-th id', async () => {
    const ids = async (plugin: string, overrides: Parameters<typeof sharedState>[0] = {}) => {
      const { ctx } = contextOf(plugin, overrides);
      return [(await ctx.reply('a')).messageId, (await ctx.reply('b')).messageId];
    };
    const first = await ids('echo');
    expect(first[0]).to.match(UUID);
    expect(first[0]).not.to.equal(first[1]);
    expect(await ids('echo')).to.deep.equal(first);
    const otherPlugin = await ids('shout');
    const otherEvent = await ids('echo', { idSeed: `${AGENT}\u0000${ALICE}\u0000MSG-2` });
    const otherPurpose = await ids('echo', { purpose: 'message' });
    for (const other of [otherPlugin, otherEvent, otherPurpose]) expect(other.filter((id) => first.includes(id))).to.deep.equal([]);
  });

  it('numbers replies, read receipts and typing in one series', async () => {
    const { ctx, client } = contextOf();
    await ctx.typing();
    await ctx.markRead();
    await ctx.reply('x');
    const again = contextOf();
    await again.ctx.reply('x');
    expect(new Set(client.sent.map((item) => item.id)).size).to.equal(3);
    // Ids follow the order of sends, whatever is sent: a run's first send takes the first id.
    expect(again.client.sent[0]!.id).to.equal(client.sent[0]!.id);
  });

  it('sends random ids when the event has no id to name them by', async () => {
    const { ctx } = contextOf('echo', { idSeed: undefined });
    const { ctx: rerun } = contextOf('echo', { idSeed: undefined });
    const ids = [(await ctx.reply('a')).messageId, (await rerun.reply('a')).messageId];
    expect(ids[0]).to.match(UUID);
    expect(ids[0]).not.to.equal(ids[1]);
  });

  it('markRead reads the user\'s message; with no user message it is a TypeError saying what was expected', async () => {
    const { ctx, client } = contextOf();
    await ctx.markRead();
    expect(client.sent).to.have.length(1);
    expect(client.sent[0]).to.deep.include({ kind: 'event', agentId: AGENT, phone: ALICE, event: { eventType: 'READ', messageId: 'MSG-1' } });
    const { ctx: onReceipt, client: untouched } = contextOf('echo', { userMessageId: undefined, purpose: 'read' });
    const error = await rejection(() => onReceipt.markRead());
    expect(error.message).to.equal('ctx.markRead(): expected a user message with a messageId (text, suggestion, location or file)');
    expect(untouched.sent).to.deep.equal([]);
  });

  it('typing shows the indicator to the user', async () => {
    const { ctx, client } = contextOf();
    await ctx.typing();
    expect(client.sent[0]).to.deep.include({ kind: 'event', phone: ALICE, event: { eventType: 'IS_TYPING' } });
  });

  it('refuses reply, typing, markRead and session on an event about no user, naming the call', async () => {
    const { ctx, client } = contextOf('echo', { phone: undefined, purpose: 'agentLaunch' });
    expect((await rejection(() => ctx.reply('x'))).message).to.equal('ctx.reply(): this event has no user phone number; expected a user message or user event');
    expect((await rejection(() => ctx.typing())).message).to.equal('ctx.typing(): this event has no user phone number; expected a user message or user event');
    expect((await rejection(() => ctx.markRead())).message).to.equal('ctx.markRead(): this event has no user phone number; expected a user message or user event');
    expect(() => ctx.session).to.throw(TypeError, 'ctx.session: this event has no user phone number; expected a user message or user event');
    expect(client.sent).to.deep.equal([]);
  });

  it('keeps the session under agent, phone and plugin, in the bot\'s store', async () => {
    const { ctx, sessions, shared } = contextOf('cart');
    expect(ctx.session).to.equal(ctx.session);
    await ctx.session.set(['pho']);
    expect(await sessions.get(`${AGENT}|${ALICE}|cart`)).to.deep.equal(['pho']);
    expect(await new EventContext(shared, 'cart').session.get()).to.deep.equal(['pho']);
    expect(await new EventContext(shared, 'wishlist').session.get()).to.equal(undefined);
    expect(await new EventContext({ ...shared, phone: '+15556667777' }, 'cart').session.get()).to.equal(undefined);
    expect(await new EventContext({ ...shared, agentId: 'bank@rbm.goog' }, 'cart').session.get()).to.equal(undefined);
    await ctx.session.clear();
    expect(await sessions.get(`${AGENT}|${ALICE}|cart`)).to.equal(undefined);
  });

  it('aborts its signal with the first reason, whether the signal was asked for before or after', () => {
    const early = contextOf().ctx;
    const signal = early.signal;
    expect(signal.aborted).to.equal(false);
    const reason = new Error('time is up');
    early.abort(reason);
    early.abort(new Error('later'));
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal(reason);

    const late = contextOf().ctx;
    late.abort(reason);
    late.abort(new Error('later'));
    expect(late.signal.aborted).to.equal(true);
    expect(late.signal.reason).to.equal(reason);
  });

  it('logs through a child of the agent\'s logger, bound to plugin, event and event id, made on first use', () => {
    const { log, lines } = recordingLog();
    const { ctx } = contextOf('echo', { log });
    expect(ctx.log).to.equal(ctx.log);
    ctx.log.info('hello');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ msg: 'hello', plugin: 'echo', event: 'text', eventId: 'MSG-1' });
  });
});

describe('the state an event\'s handlers share', () => {
  const bot = new MemoryRbmClient();
  const bm = new MemoryRbmClient();
  // eventOf's events arrive at /webhook: here, a webhook with a client of its own.
  const webhookClient = (path: string) => (path === '/webhook' ? bm : undefined);
  const text = eventOf(payloads.text({ text: 'hi', agentId: AGENT, phone: ALICE, messageId: 'MSG-1' }));

  it('answers through the agent\'s own client, else the webhook\'s own, else the bot\'s; a notice with no event never through a webhook\'s', () => {
    const shared = runtimeOf([], { client: bot });
    const own = new MemoryRbmClient();
    const owning = new AgentRuntime(AGENT, 'agent', [], { client: own, ownClient: true, log: silentLog() });
    expect(handlerClient(shared, text, webhookClient)).to.equal(bm);
    expect(handlerClient(owning, text, webhookClient)).to.equal(own);
    expect(handlerClient(shared, undefined, webhookClient)).to.equal(bot);
    expect(handlerClient(shared, text, () => undefined)).to.equal(bot);
    expect(handlerClient(shared, text)).to.equal(bot);
  });

  it('names the event by its dedupe key, and the user message markRead reads; a notice has neither', () => {
    const runtime = runtimeOf([], { client: bot });
    const sessions = new MemorySessionStore();
    const held = () => true;
    const state = sharedEventState({ sessions }, runtime, text, FIRST, 'text', held);
    expect(state).to.deep.include({ agentId: AGENT, phone: ALICE, userMessageId: 'MSG-1', delivery: FIRST, client: bot, sessions, purpose: 'text', eventId: 'MSG-1', event: text, runtime, held });
    expect(state.idSeed).to.equal(dedupeKey(text));
    const read = eventOf(payloads.userEvent({ agentId: AGENT, phone: ALICE, eventType: 'READ', messageId: 'SENT-1' }));
    expect(sharedEventState({ sessions }, runtime, read, FIRST, 'read').userMessageId).to.equal(undefined);
    const notice = sharedEventState({ sessions }, runtime, undefined, FIRST, 'rejected');
    expect(notice).to.deep.include({ phone: undefined, userMessageId: undefined, idSeed: undefined, eventId: undefined, held: undefined });
  });
});
