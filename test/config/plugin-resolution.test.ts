import { expect } from 'chai';
import { pino } from 'pino';
import { ConfigError, definePlugin, MemoryRbmClient } from 'rbmkit';
import { PluginRegistry } from 'rbmkit/advanced';
import { AgentRegistry } from '../../core/dispatch/agent-registry.js';
import { toPluginUses } from '../../core/plugin/plugin-uses.js';

const plugin = (name: string) => definePlugin({ name, setup() {} });

/** A registry that counts its look-ups. */
function countingRegistry(...names: string[]) {
  const registry = new PluginRegistry().register(...names.map(plugin));
  const lookups: string[] = [];
  const get = registry.get.bind(registry);
  registry.get = (name, field) => {
    lookups.push(name);
    return get(name, field);
  };
  return { registry, lookups };
}

describe('plugin resolution', () => {
  describe('toPluginUses', () => {
    it('turns plugins, uses, names and {name, options, as} into uses', () => {
      const { registry } = countingRegistry('named');
      const echo = plugin('echo');
      const uses = toPluginUses([echo, echo.with({ a: 1 }, 'echo2'), 'named', { name: 'named', options: { b: 2 }, as: 'named2' }], registry, 'partner.plugins');
      expect(uses.map((use) => [use.key, use.options])).to.deep.equal([
        ['echo', {}],
        ['echo2', { a: 1 }],
        ['named', {}],
        ['named2', { b: 2 }],
      ]);
      expect(uses[0]?.plugin).to.equal(echo);
    });

    it('names the field when a name needs a registry or a key is listed twice', () => {
      expect(() => toPluginUses(['x'], undefined, 'agents.a.plugins')).to.throw(ConfigError, 'agents.a.plugins.0: a plugin named by string needs a plugin registry');
      const echo = plugin('echo');
      expect(() => toPluginUses([echo, echo], undefined, 'partner.plugins')).to.throw(ConfigError, 'partner.plugins: plugin "echo" is listed twice');
    });
  });

  describe('AgentRegistry', () => {
    const deps = (registry: PluginRegistry) => ({ client: new MemoryRbmClient(), log: pino({ enabled: false }), registry });

    it('resolves plugin lists when they are set, never on the request path', async () => {
      const { registry, lookups } = countingRegistry('d', 'own');
      const agents = new AgentRegistry(deps(registry));
      agents.setDefaults(['d']);
      agents.set('a@rbm.goog', { plugins: ['own'] });
      agents.set('x@rbm.goog', { plugins: ['own'], extendDefaults: true });
      expect(lookups).to.deep.equal(['d', 'own', 'own']);
      lookups.length = 0;
      for (const agentId of ['a@rbm.goog', 'x@rbm.goog', 'other@rbm.goog']) {
        agents.runtime(agentId);
        agents.pluginKeysFor(agentId);
      }
      agents.partner();
      expect(lookups).to.deep.equal([]);
      await agents.close();
    });

    it('refuses a bad list when it is set, leaving the agent as it was', async () => {
      const { registry } = countingRegistry('d');
      const agents = new AgentRegistry(deps(registry));
      agents.setDefaults(['d']);
      expect(() => agents.set('a@rbm.goog', { plugins: ['nope'] })).to.throw(ConfigError, 'agents.a@rbm.goog.plugins.0: no plugin named "nope"; expected one of: d');
      expect(() => agents.setDefaults(['nope'])).to.throw(ConfigError, 'partner.plugins.0');
      expect(agents.pluginKeysFor('a@rbm.goog')).to.deep.equal(['d']);
      await agents.close();
    });

    it('keeps the precedence: own list, defaults, extendDefaults merging by key; new defaults reach agents on their next event', async () => {
      const { registry } = countingRegistry('log', 'echo', 'keywords', 'audit');
      const agents = new AgentRegistry(deps(registry));
      agents.setDefaults(['log', 'echo']);
      agents.set('own@rbm.goog', { plugins: ['keywords'] });
      agents.set('ext@rbm.goog', { plugins: [{ name: 'echo', options: { loud: true } }, 'keywords'], extendDefaults: true });
      agents.set('bare@rbm.goog', {});
      expect(agents.pluginKeysFor('own@rbm.goog')).to.deep.equal(['keywords']);
      expect(agents.pluginKeysFor('ext@rbm.goog')).to.deep.equal(['log', 'echo', 'keywords']);
      expect(agents.runtime('ext@rbm.goog')).to.equal(agents.runtime('ext@rbm.goog'));
      expect(agents.pluginKeysFor('bare@rbm.goog')).to.deep.equal(['log', 'echo']);

      const before = { own: agents.runtime('own@rbm.goog'), ext: agents.runtime('ext@rbm.goog'), bare: agents.runtime('bare@rbm.goog') };
      agents.setDefaults(['audit']);
      expect(agents.runtime('own@rbm.goog')).to.equal(before.own);
      expect(agents.runtime('ext@rbm.goog')).to.not.equal(before.ext);
      expect(agents.runtime('bare@rbm.goog')).to.not.equal(before.bare);
      expect(agents.pluginKeysFor('ext@rbm.goog')).to.deep.equal(['audit', 'echo', 'keywords']);
      expect(agents.pluginKeysFor('never@rbm.goog')).to.deep.equal(['audit']);

      expect(agents.remove('own@rbm.goog')).to.equal(true);
      expect(agents.remove('own@rbm.goog')).to.equal(false);
      expect(agents.pluginKeysFor('own@rbm.goog')).to.deep.equal(['audit']);
      await agents.close();
    });
  });
});
