import { validateConfig, type AgentConfig, type PluginSpec } from '../config/config-schema.js';
import { resolveAgentWebhook } from '../config/resolve-webhooks.js';
import type { WebhookTable } from '../webhook/webhook-table.js';
import type { AgentRegistry } from './agent-registry.js';

/** Agents added, changed and removed while the bot runs. Changes apply from the next event. */
export interface AgentControl {
  /**
   * Adds or replaces an agent. Its old plugin instances are torn down.
   *
   * @example
   * bot.agents.set('shop@rbm.goog', { plugins: [keywords.with({ routes })] });
   */
  set(agentId: string, config: AgentConfig): void;
  /**
   * Removes an agent's config (and its own webhook); it falls back to the partner defaults.
   *
   * @example
   * bot.agents.remove('shop@rbm.goog');
   */
  remove(agentId: string): boolean;
  /**
   * Replaces the partner-default plugins.
   *
   * @example
   * bot.agents.setDefaults([logging, echo]);
   */
  setDefaults(plugins: readonly PluginSpec[]): void;
  /**
   * The keys of the plugins an agent runs now, by the precedence rule.
   *
   * @example
   * bot.agents.pluginsOf('shop@rbm.goog'); // ['logging', 'keywords']
   */
  pluginsOf(agentId: string): string[];
}

/**
 * `bot.agents`: changes the registry and the webhook table together, validating first so a
 * bad change leaves both as they were; `webhooksChanged` runs when a webhook came or went.
 *
 * @example
 * const agents = agentControl(registry, table, () => routes.rebuild());
 */
export function agentControl(registry: AgentRegistry, table: WebhookTable, webhooksChanged: () => void): AgentControl {
  return {
    set(agentId, given) {
      const config = validateConfig({ agents: { [agentId]: given } }).agents![agentId]!;
      const hook = config.webhook === undefined ? undefined : resolveAgentWebhook(agentId, config.webhook);
      // Both checks before either change: a refused change leaves everything as it was.
      if (hook !== undefined) table.assertFree(hook);
      registry.set(agentId, config);
      if (table.setAgent(agentId, hook)) webhooksChanged();
    },
    remove(agentId) {
      const removed = registry.remove(agentId);
      if (table.setAgent(agentId, undefined)) webhooksChanged();
      return removed;
    },
    setDefaults: (plugins) => registry.setDefaults(plugins),
    pluginsOf: (agentId) => registry.pluginKeysFor(agentId),
  };
}
