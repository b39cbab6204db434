import { expect } from 'chai';
import { echo } from 'rbmkit/plugins';
import { payloads, startTestBot } from 'rbmkit/testing';
import { welcome } from '../../examples/plugins/welcome.js';

describe('welcome plugin (the example in docs/plugins.md)', () => {
  it('greets a user once, per agent, before echo answers', async () => {
    const t = await startTestBot({
      partner: { clientToken: 'TEST-TOKEN', plugins: [welcome.with({ greeting: 'Hi!', chips: ['Menu'] }), echo] },
    });
    try {
      await t.push(payloads.text({ text: 'one', agentId: 'a@rbm.goog' }));
      await t.push(payloads.text({ text: 'two', agentId: 'a@rbm.goog' }));
      await t.push(payloads.text({ text: 'three', agentId: 'b@rbm.goog' }));
      expect(t.texts()).to.have.members(['Hi!', 'one', 'two', 'Hi!', 'three']);
      expect(t.texts().filter((text) => text === 'Hi!')).to.have.length(2);
    } finally {
      await t.close();
    }
  });
});
