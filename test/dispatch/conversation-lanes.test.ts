import { expect } from 'chai';
import { payloads } from 'rbmkit/testing';
import { ConversationLanes, conversationOf } from '../../core/dispatch/conversation-lanes.js';
import { AGENT, ALICE, BOB, eventOf, sleep } from './dispatch-kit.js';

const ALICES = `${AGENT}\u0000${ALICE}`;
const BOBS = `${AGENT}\u0000${BOB}`;

describe('ConversationLanes', () => {
  it('names a conversation by agent and user; an event about no user has none', () => {
    expect(conversationOf(eventOf(payloads.text({ text: 'x', agentId: AGENT, phone: ALICE })))).to.equal(ALICES);
    expect(conversationOf(eventOf(payloads.agentLaunch({ agentId: AGENT })))).to.equal(undefined);
  });

  it('accepts up to maxInFlight events, refuses the next, and accepts again once one finished', () => {
    const lanes = new ConversationLanes(2);
    expect([lanes.accept(), lanes.accept(), lanes.accept()]).to.deep.equal([true, true, false]);
    expect(lanes.acceptedCount).to.equal(2);
    lanes.finished(undefined);
    expect(lanes.acceptedCount).to.equal(1);
    expect(lanes.accept()).to.equal(true);
  });

  it('runs a conversation one event at a time in arrival order; other conversations and events with no user at once', async () => {
    const lanes = new ConversationLanes(10);
    const started: string[] = [];
    const take = (name: string, conversation: string | undefined) => {
      lanes.accept();
      const turn = lanes.turn(conversation);
      if (turn === undefined) started.push(name);
      else void turn.then(() => started.push(name));
    };
    take('a1', ALICES);
    take('a2', ALICES);
    take('a3', ALICES);
    take('b1', BOBS);
    take('launch', undefined);
    await sleep(1);
    expect(started).to.deep.equal(['a1', 'b1', 'launch']);
    lanes.finished(ALICES);
    await sleep(1);
    expect(started).to.deep.equal(['a1', 'b1', 'launch', 'a2']);
    lanes.finished(ALICES);
    lanes.finished(ALICES);
    await sleep(1);
    expect(started).to.deep.equal(['a1', 'b1', 'launch', 'a2', 'a3']);
    // Nobody left running in Alice's conversation: her next event runs at once.
    expect(lanes.turn(ALICES)).to.equal(undefined);
  });

  it('drain resolves once every accepted event finished, and at once when none is in flight', async () => {
    const lanes = new ConversationLanes(10);
    await lanes.drain();
    lanes.accept();
    lanes.accept();
    let drained = false;
    const drain = lanes.drain().then(() => (drained = true));
    lanes.finished(undefined);
    await sleep(1);
    expect(drained).to.equal(false);
    lanes.finished(undefined);
    await drain;
    expect(lanes.acceptedCount).to.equal(0);
  });
});
