import { expect } from 'chai';
import { ConfigError, createBot } from 'rbmkit';
import { echo } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'ECHOTOKEN0000001';

describe('echo plugin', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('marks the message read, then answers a text with the same text (over real HTTP to the fake API)', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [echo] } }, { fakeApi: true });
    const response = await t.push(payloads.text({ text: 'Hello, world!', messageId: 'M1', phone: '+15550001111' }));
    expect(response.status).to.equal(200);
    const api = t.api!;
    expect(api.events.map((e) => e.event)).to.deep.equal([{ eventType: 'READ', messageId: 'M1' }]);
    expect(api.messages.map((m) => [m.phone, m.message.contentMessage.text])).to.deep.equal([['+15550001111', 'Hello, world!']]);
    expect(api.requests.map((r) => r.path)).to.deep.equal(['/v1/phones/+15550001111/agentEvents', '/v1/phones/+15550001111/agentMessages']);
  });

  it('answers a chip tap with its text, or its postbackData when it has no text', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [echo] } });
    await t.push(payloads.suggestion({ postbackData: 'yes_please', text: 'Yes' }));
    await t.push({ agentId: 'a@rbm.goog', senderPhoneNumber: '+1222', eventId: 'E1', suggestionResponse: { postbackData: 'dial_shop' } });
    expect(t.texts()).to.deep.equal(['Yes', 'dial_shop']);
  });

  it('describes a location and a file', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [echo] } });
    await t.push(payloads.location({ latitude: 37.422, longitude: -122.0841 }));
    await t.push(payloads.file({ fileName: 'cat.jpg', mimeType: 'image/jpeg', fileSizeBytes: 2048 }));
    expect(t.texts()).to.deep.equal(['You are at 37.42200, -122.08410', 'You sent cat.jpg (image/jpeg, 2048 bytes)']);
  });

  it('takes a prefix, a choice of kinds, and can skip marking read', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [echo.with({ prefix: 'echo: ', kinds: ['text'], markRead: false })] } });
    await t.push(payloads.text({ text: 'hi' }));
    await t.push(payloads.location({ latitude: 1, longitude: 2 }));
    expect(t.client.sent.map((s) => (s.kind === 'message' ? s.message.contentMessage.text : s.event.eventType))).to.deep.equal(['echo: hi']);
  });

  it('refuses an unknown kind when the bot is created, naming the valid ones', async () => {
    const config = { partner: { clientToken: TOKEN, plugins: [echo.with({ kinds: ['text', 'txt' as 'text'] })] } };
    expect(() => createBot({ logger: false, ...config })).to.throw(
      ConfigError,
      'partner.plugins.0 (echo): kinds.1: expected one of text, suggestion, location, file, got "txt"',
    );
    let failed: unknown;
    await startTestBot(config).catch((error: unknown) => (failed = error));
    expect(failed).to.be.instanceOf(ConfigError);
  });

  it('refuses options of the wrong type, and an unknown option, all at once', () => {
    const bad = echo.with({ prefix: 1, kinds: 'text', markread: false } as never);
    expect(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [bad] } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.equals(
        'invalid rbmkit config:\n' +
          '  partner.plugins.0 (echo): prefix: expected a text to put before every answer, got 1\n' +
          '  partner.plugins.0 (echo): kinds: expected a list of some of: text, suggestion, location, file, got "text"\n' +
          '  partner.plugins.0 (echo): unknown option "markread"; expected only: prefix, kinds, markRead',
      );
  });

  it('keeps an echo within the text limit', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [echo.with({ prefix: '> ' })] } }, { fakeApi: true });
    expect((await t.push(payloads.text({ text: 'x'.repeat(3072) }))).status).to.equal(200);
    expect(t.texts()[0]).to.have.length(3072);
  });
});
