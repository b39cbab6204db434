import { ConfigError } from '../errors.js';
import type { PluginSpec } from '../config/config-schema.js';
import { isPlugin, isPluginUse, type PluginUse } from './define-plugin.js';
import type { PluginRegistry } from './plugin-registry.js';

/**
 * Turns a `plugins` list into plugin uses, looking names up in the registry and refusing two
 * uses with one key on one agent. `field` names the list in error messages.
 *
 * @example
 * toPluginUses([echo, 'logging', { name: 'keywords', options: { routes } }], registry, 'partner.plugins');
 */
export function toPluginUses(specs: readonly PluginSpec[], registry: PluginRegistry | undefined, field: string): PluginUse[] {
  const uses = specs.map((spec, index): PluginUse => {
    const at = `${field}.${index}`;
    if (isPluginUse(spec)) return spec as PluginUse;
    if (isPlugin(spec)) return spec.with({} as never) as PluginUse;
    if (registry === undefined) {
      throw new ConfigError(`${at}: a plugin named by string needs a plugin registry; expected a plugin value`);
    }
    if (typeof spec === 'string') return registry.get(spec, at).with({} as never) as PluginUse;
    const named = spec as { name: string; options?: unknown; as?: string };
    return registry.get(named.name, at).with((named.options ?? {}) as never, named.as) as PluginUse;
  });
  const keys = new Set<string>();
  for (const use of uses) {
    if (keys.has(use.key)) {
      throw new ConfigError(`${field}: plugin "${use.key}" is listed twice; expected unique names (use plugin.with(options, "other-name"))`);
    }
    keys.add(use.key);
  }
  return uses;
}
