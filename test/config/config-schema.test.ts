import { expect } from 'chai';
import { ConfigError, createBot, definePlugin, MemoryDedupeStore, MemoryRbmClient, MemorySessionStore } from 'rbmkit';
import { PluginRegistry, validateConfig } from 'rbmkit/advanced';
import { payloads, startTestBot } from 'rbmkit/testing';
import { resolveWebhooks } from '../../core/config/resolve-webhooks.js';

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

  it('lists every issue in one ConfigError, one `field.path: expected…` line each', () => {
    const error = thrown(() => validateConfig({ partner: { path: 'x' }, signaturePolicy: 'ignore', metrics: { path: 5 } }));
    expect(error).to.be.instanceOf(ConfigError);
    const [head, ...lines] = error.message.split('\n');
    expect(head).to.equal('invalid rbmkit config:');
    expect(lines.map((line) => line.slice(0, line.indexOf(':')))).to.deep.equal(['  partner.path', '  signaturePolicy', '  metrics']);
    expect(lines[0]).to.equal('  partner.path: expected a path starting with "/" made of letters, digits and . _ ~ @ / -');
    expect(lines.slice(1)).to.deep.equal(['  signaturePolicy: expected "reject" or "acknowledge"', '  metrics: expected false, or {"path"?: "/metrics"}']);
    expect(thrown(() => validateConfig('nope')).message).to.match(/^invalid rbmkit config:\n {2}\(config\): expected an object with: partner, agents, /);
    expect(thrown(() => validateConfig({ agents: { '': {} }, partner: { pathh: '/x' } })).message).to.equal(
      'invalid rbmkit config:\n  partner: unknown key "pathh"; expected only: path, clientToken, plugins\n  agents."": expected a non-empty agentId',
    );
  });

  it('returns the parsed config: new objects, with clients, stores, registry, logger and plugins kept as given', () => {
    const hello = definePlugin({ name: 'hello', setup() {} });
    const use = hello.with({}, 'hello2');
    const client = new MemoryRbmClient();
    const dedupe = new MemoryDedupeStore();
    const sessions = new MemorySessionStore();
    const registry = new PluginRegistry().register(hello);
    const logger = { level: 'silent' };
    const given = {
      partner: { clientToken: ['T', { env: 'RBMKIT_TOKEN' }], plugins: [hello, use, 'hello', { name: 'hello', as: 'h3' }] },
      agents: { 'a@rbm.goog': { webhook: { path: '/a', clientToken: 'U' }, plugins: [hello] } },
      client,
      dedupe,
      sessions,
      registry,
      logger,
    } as const;
    const parsed = validateConfig(given);
    expect(parsed).to.not.equal(given);
    expect(parsed.partner).to.not.equal(given.partner);
    expect(parsed.partner?.plugins).to.not.equal(given.partner.plugins);
    expect(parsed).to.deep.equal(given);
    expect(parsed.client).to.equal(client);
    expect(parsed.dedupe).to.equal(dedupe);
    expect(parsed.sessions).to.equal(sessions);
    expect(parsed.registry).to.equal(registry);
    expect(parsed.logger).to.equal(logger);
    expect(parsed.partner?.plugins?.[0]).to.equal(hello);
    expect(parsed.partner?.plugins?.[1]).to.equal(use);
    expect(parsed.agents?.['a@rbm.goog']?.plugins?.[0]).to.equal(hello);
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.partner) && Object.isFrozen(parsed.partner?.plugins)).to.equal(true);
    expect(parsed).to.not.have.property('bodyLimit');
  });

  it('refuses an unknown key rather than ignoring a typo', () => {
    expect(thrown(() => validateConfig({ partner: { clientToken: 'T' }, agentz: {} })).message).to.include('agentz');
  });

  it('needs at least one webhook', () => {
    expect(thrown(() => createBot({ logger: false })).message).to.include('expected at least one webhook');
  });

  it('refuses two webhooks on one path, once, in the bot (not when resolving them)', () => {
    const config = { partner: { path: '/x', clientToken: 'T' }, agents: { a: { webhook: { path: '/x', clientToken: 'U' } } } };
    expect(resolveWebhooks(config)).to.deep.equal([
      { path: '/x', tokens: ['T'] },
      { path: '/x', tokens: ['U'], agentId: 'a' },
    ]);
    const error = thrown(() => createBot({ logger: false, ...config }));
    expect(error).to.be.instanceOf(ConfigError);
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
