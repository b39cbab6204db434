import { expect } from 'chai';
import { definePlugin } from 'rbmkit';
import { EVENT_NAMES, isSubscribableName } from 'rbmkit/advanced';
import { payloads, startTestBot } from 'rbmkit/testing';

describe('event names', () => {
  it('one runtime list holds every event kind', () => {
    expect(EVENT_NAMES).to.have.members([
      'text', 'suggestion', 'location', 'file',
      'delivered', 'read', 'typing', 'subscribe', 'unsubscribe',
      'ttlRevoked', 'ttlRevokeFailed', 'agentLaunch', 'unknown',
    ]);
    for (const name of [...EVENT_NAMES, 'message', 'userEvent', 'serverEvent', 'any', 'rejected', 'failed']) {
      expect(isSubscribableName(name), name).to.equal(true);
    }
    expect(isSubscribableName('txet')).to.equal(false);
  });

  it('on("txet") fails at setup, naming the valid names, and the plugin is reported', async () => {
    let message = '';
    const typo = definePlugin({
      name: 'typo',
      setup(agent) {
        try {
          agent.on('txet' as 'text', () => undefined);
        } catch (error) {
          message = (error as Error).message;
          throw error;
        }
      },
    });
    const t = await startTestBot({ partner: { clientToken: 'T', plugins: [typo] } });
    try {
      const response = await t.push(payloads.text({ text: 'x' }));
      expect(message).to.match(/^unknown event name "txet"; expected one of: text, suggestion, location, file, delivered/);
      expect(response.status).to.equal(500);
      expect(response.body).to.have.property('message').that.includes('typo');
    } finally {
      await t.close();
    }
  });

  it('umbrellas deliver each event under its own name, then its group, then any', async () => {
    const heard: string[] = [];
    const ears = definePlugin({
      name: 'ears',
      setup(agent) {
        agent.on('any', (e) => void heard.push(`any:${e.type}`));
        agent.on('message', (e) => void heard.push(`message:${e.type}`));
        agent.on('userEvent', (e) => void heard.push(`userEvent:${e.type}`));
        agent.on('serverEvent', (e) => void heard.push(`serverEvent:${e.type}`));
        agent.on('text', (e) => void heard.push(`text:${e.text}`));
      },
    });
    const t = await startTestBot({ partner: { clientToken: 'T', plugins: [ears] } });
    try {
      await t.push(payloads.text({ text: 'hi' }));
      await t.push(payloads.userEvent({ eventType: 'READ' }));
      await t.push(payloads.agentLaunch({}), { attributes: { type: 'agent_launch_event' } });
      expect(heard).to.deep.equal([
        'text:hi', 'message:text', 'any:text',
        'userEvent:read', 'any:read',
        'serverEvent:agentLaunch', 'any:agentLaunch',
      ]);
    } finally {
      await t.close();
    }
  });
});
