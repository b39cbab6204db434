import { expect } from 'chai';
import { definePlugin, MemorySessionStore, type HandlerContext, type RejectedNotice, type UnreachableNotice } from 'rbmkit';
import { SharedDeadlines } from '../../core/dispatch/deadline.js';
import { Notices } from '../../core/dispatch/notices.js';
import { AGENT, ALICE, gate, recordingLog, runtimeOf, silentLog } from './dispatch-kit.js';

const NOWHERE = { eventId: '', attempt: 1, redelivery: false };
const rejected: RejectedNotice = { type: 'rejected', reason: 'bad_signature', webhook: '/webhook', status: 401, receivedAt: 0 };
const unreachable: UnreachableNotice = {
  type: 'unreachable',
  agentId: AGENT,
  phone: ALICE,
  message: { contentMessage: { text: 'hi' } },
  messageId: 'SENT-1',
  error: new Error('404'),
  plugin: 'sender',
};

function noticesOf(log = silentLog()) {
  return new Notices({ log, sessions: new MemorySessionStore(), limit: { deadlines: new SharedDeadlines(5), ms: 2_000 } });
}

/** A plugin keeping the notices of `type` it gets, with the context each came with; `act` runs on each. */
function keeper<T>(type: 'rejected' | 'unreachable', act: (ctx: HandlerContext) => unknown = () => undefined) {
  const got: Array<{ notice: T; ctx: HandlerContext }> = [];
  const plugin = definePlugin({
    name: `keeps-${type}`,
    setup: (agent) =>
      void agent.on(type, (notice, ctx) => {
        got.push({ notice: notice as T, ctx });
        return act(ctx);
      }),
  });
  return { plugin, got };
}

describe('Notices', () => {
  it('notify waits for the setups, then hands the notice over; whenNobodyListens runs only when nobody listens', async () => {
    const notices = noticesOf();
    const listening = keeper<RejectedNotice>('rejected');
    let nobodyListened = 0;
    const runtime = runtimeOf([listening.plugin.with({})]);
    expect(runtime.isReady).to.equal(false);
    await notices.notify(runtime, rejected, undefined, NOWHERE, () => (nobodyListened += 1));
    expect(listening.got.map((g) => g.notice)).to.deep.equal([rejected]);
    await notices.notify(runtimeOf([]), rejected, undefined, NOWHERE, () => (nobodyListened += 1));
    expect(nobodyListened).to.equal(1);
  });

  it('notifySubscribed makes no promise when every handler returned at once, and one that waits for a handler that did not', async () => {
    const notices = noticesOf();
    const hold = gate();
    const quick = runtimeOf([keeper('rejected').plugin.with({})]);
    const slow = runtimeOf([keeper('rejected', () => hold.promise).plugin.with({})]);
    await Promise.all([quick.ready(), slow.ready()]);
    expect(notices.notifySubscribed(quick, rejected, undefined, NOWHERE)).to.equal(undefined);
    let done = false;
    const pending = notices.notifySubscribed(slow, rejected, undefined, NOWHERE)!.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).to.equal(false);
    hold.open();
    await pending;
  });

  it('reportUnreachable hands the notice to its listeners with the user it names, and logs it (phone masked) when nobody listens', async () => {
    const { log, lines } = recordingLog();
    const notices = noticesOf(log);
    const listening = keeper<UnreachableNotice>('unreachable');
    await notices.reportUnreachable(runtimeOf([listening.plugin.with({})]), unreachable, undefined, false);
    expect(listening.got).to.have.length(1);
    expect(listening.got[0]!.notice).to.equal(unreachable);
    expect(listening.got[0]!.ctx.phone).to.equal(ALICE);
    await notices.reportUnreachable(runtimeOf([]), unreachable, undefined, false);
    const warned = lines.filter((l) => l.level === 40);
    expect(warned).to.have.length(1);
    expect(warned[0]).to.include({ agentId: AGENT, phone: '+122******44', messageId: 'SENT-1', plugin: 'sender' });
  });

  it('reportUnreachable does not notify again a send through the client made while that user\'s notice is being handled', async () => {
    const notices = noticesOf();
    const hold = gate();
    const listening = keeper<UnreachableNotice>('unreachable', () => hold.promise);
    const runtime = runtimeOf([listening.plugin.with({})]);
    const first = notices.reportUnreachable(runtime, unreachable, undefined, false);
    await new Promise((resolve) => setImmediate(resolve));
    await notices.reportUnreachable(runtime, { ...unreachable, messageId: 'SENT-2' }, undefined, true);
    hold.open();
    await first;
    expect(listening.got.map((g) => g.notice.messageId)).to.deep.equal(['SENT-1']);
  });
});
