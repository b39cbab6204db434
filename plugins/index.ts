/**
 * rbmkit/plugins: the first-party plugins, written only against rbmkit's public API.
 */
import { PluginRegistry } from 'rbmkit';
import { echo } from './echo.js';

export { echo, ECHO_KINDS, type EchoKind, type EchoOptions } from './echo.js';

/**
 * A plugin registry holding every first-party plugin, for configs that name plugins.
 *
 * @example
 * createBot({ registry: firstPartyRegistry(), partner: { clientToken, plugins: ['echo'] } });
 */
export function firstPartyRegistry(): PluginRegistry {
  return new PluginRegistry().register(echo);
}
