import { ConfigError } from '../errors.js';
import { isPlugin, type AnyPlugin } from './define-plugin.js';

/**
 * Plugins by name, so a config file can say `"plugins": ["logging", {"name": "echo", "options": {…}}]`.
 *
 * @example
 * const registry = new PluginRegistry().register(myPlugin);
 * createBot({ ...config, registry });
 */
export class PluginRegistry {
  private readonly plugins = new Map<string, AnyPlugin>();

  /** Adds plugins under their names; a second plugin with a taken name throws. */
  register(...plugins: AnyPlugin[]): this {
    for (const plugin of plugins) {
      if (!isPlugin(plugin)) throw new TypeError('PluginRegistry.register: expected plugins made by definePlugin');
      const existing = this.plugins.get(plugin.name);
      if (existing !== undefined && existing !== plugin) {
        throw new ConfigError(`PluginRegistry.register: a plugin named "${plugin.name}" is already registered`);
      }
      this.plugins.set(plugin.name, plugin);
    }
    return this;
  }

  /** The plugin registered under `name`; throws naming the registered ones if there is none. */
  get(name: string, field = 'plugins'): AnyPlugin {
    const plugin = this.plugins.get(name);
    if (plugin === undefined) {
      const known = [...this.plugins.keys()];
      throw new ConfigError(
        `${field}: no plugin named "${name}"; expected one of: ${known.length > 0 ? known.join(', ') : '(none registered)'}`,
      );
    }
    return plugin;
  }

  /** Names of the registered plugins. */
  names(): string[] {
    return [...this.plugins.keys()];
  }
}
