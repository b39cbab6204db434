import { expect } from 'chai';
import { ConfigError, createBot, definePlugin, PluginRegistry, validateConfig } from 'rbmkit';
import { payloads, startTestBot } from 'rbmkit/testing';

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
};

describe('config', () => {
  it('names each wrong field and what was expected', () => {
    const error = thrown(() =>
      validateConfig({
        partner: { path: 'no-slash', clientToken: 5 },
        agents: { 'a@rbm.goog': { webhook: { path: '/a' } } },
        signaturePolicy: 'ignore',
        bodyLimit: -1,
      }),
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('partner.path: expected a path starting with "/"');
    expect(error.message).to.include('partner.clientToken: expected a clientToken string');
    expect(error.message).to.include('agents.a@rbm.goog.webhook.clientToken');
    expect(error.message).to.include('signaturePolicy');
    expect(error.message).to.include('bodyLimit');
  });

  it('refuses an unknown key rather than ignoring a typo', () => {
    expect(thrown(() => validateConfig({ partner: { clientToken: 'T' }, agentz: {} })).message).to.include('agentz');
  });

  it('needs at least one webhook', () => {
    expect(thrown(() => createBot({ logger: false })).message).to.include('expected at least one webhook');
  });

  it('refuses two webhooks on one path', () => {
    const error = thrown(() =>
      createBot({ logger: false, partner: { path: '/x', clientToken: 'T' }, agents: { a: { webhook: { path: '/x', clientToken: 'U' } } } }),
    );
    expect(error.message).to.include('"/x" is used twice');
  });

  it('reads tokens from the environment, several comma-separated, and names a missing variable', async () => {
    process.env.RBMKIT_TEST_TOKEN = 'ENVTOKEN1, ENVTOKEN2';
    try {
      const t = await startTestBot({ partner: { clientToken: { env: 'RBMKIT_TEST_TOKEN' } } });
      try {
        expect((await t.push(payloads.text({ text: 'a' }), { token: 'ENVTOKEN1' })).status).to.equal(200);
        expect((await t.push(payloads.text({ text: 'b' }), { token: 'ENVTOKEN2' })).status).to.equal(200);
        expect((await t.push(payloads.text({ text: 'c' }), { token: 'ENVTOKEN3' })).status).to.equal(401);
      } finally {
        await t.close();
      }
    } finally {
      delete process.env.RBMKIT_TEST_TOKEN;
    }
    const error = thrown(() => createBot({ logger: false, partner: { clientToken: { env: 'RBMKIT_UNSET_VAR' } } }));
    expect(error.message).to.equal('partner.clientToken: expected environment variable RBMKIT_UNSET_VAR to hold a clientToken, but it is not set');
  });

  it('resolves plugins named in config through a registry, naming the known ones when one is missing', () => {
    const hello = definePlugin({ name: 'hello', setup() {} });
    const registry = new PluginRegistry().register(hello);
    const bot = createBot({ logger: false, registry, partner: { clientToken: 'T', plugins: ['hello', { name: 'hello', as: 'hello2', options: {} }] } });
    expect(bot.agents.pluginsOf('any@rbm.goog')).to.deep.equal(['hello', 'hello2']);
    const error = thrown(() => createBot({ logger: false, registry, partner: { clientToken: 'T', plugins: ['helo'] } }));
    expect(error.message).to.equal('partner.plugins.0: no plugin named "helo"; expected one of: hello');
  });

  it('refuses one plugin listed twice under one key', () => {
    const hello = definePlugin({ name: 'hello', setup() {} });
    expect(thrown(() => createBot({ logger: false, partner: { clientToken: 'T', plugins: [hello, hello] } })).message).to.include(
      'plugin "hello" is listed twice',
    );
  });
});
