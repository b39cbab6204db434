import { expect } from 'chai';
import { messages, suggestions } from 'rbmkit';
import { echo } from 'rbmkit/plugins';
import { payloads, startTestBot } from 'rbmkit/testing';
import { smsFallback, smsText, type SmsSender } from '../../examples/plugins/sms-fallback.js';

const NO_RCS = '+15550002222';

/** An SMS sender that keeps what it was asked to send. */
function recordingSender(): SmsSender & { sent: Array<[string, string]> } {
  const sent: Array<[string, string]> = [];
  return { sent, send: async (phone, text) => void sent.push([phone, text]) };
}

describe('sms-fallback plugin (the example in docs/plugins.md)', () => {
  it('sends by SMS what could not go by RCS, and nothing for users RCS reaches', async () => {
    const sender = recordingSender();
    // echo's read receipt would fail first for a user without RCS (an event, not a message: no notice): off here.
    const t = await startTestBot({ partner: { clientToken: 'TEST-TOKEN', plugins: [echo.with({ markRead: false }), smsFallback.with({ sender })] } }, { fakeApi: true });
    try {
      t.api!.unreachable.add(NO_RCS);
      const answer = await t.push(payloads.text({ text: 'where is my order?', phone: NO_RCS }));
      expect(answer.status).to.equal(200);
      await t.push(payloads.text({ text: 'hello', phone: '+12223334444' }));
      expect(sender.sent).to.deep.equal([[NO_RCS, 'where is my order?']]);
      expect(t.texts()).to.deep.equal(['hello']);
    } finally {
      await t.close();
    }
  });

  it('turns each kind of message into an SMS text', () => {
    expect(smsText(messages.text('Shipped', [suggestions.openUrl('Track', 'https://example.com/t/1'), suggestions.reply('Thanks')]))).to.equal('Shipped\nhttps://example.com/t/1');
    expect(smsText(messages.card({ title: 'Order 42', description: 'On its way' }))).to.equal('Order 42\nOn its way');
    expect(smsText(messages.carousel([{ title: 'A' }, { title: 'B', description: 'b' }]))).to.equal('A\nB\nb');
    expect(smsText(messages.file('https://example.com/menu.pdf'))).to.equal('https://example.com/menu.pdf');
    expect(smsText(messages.uploadedFile('files/abc'))).to.equal(undefined);
  });
});
