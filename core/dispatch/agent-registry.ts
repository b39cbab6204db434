import type { Logger } from 'pino';
import { AgentRuntime, PARTNER_SCOPE_ID } from './agent-runtime.js';
import type { AgentConfig, PluginSpec } from '../config/config-schema.js';
import type { PluginUse } from '../plugin/define-plugin.js';
import { toPluginUses } from '../plugin/plugin-uses.js';
import { ConfigError } from '../errors.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import type { RbmClient } from '../client/rbm-client.js';

/** An agent's plugins as resolved when its config was set: `own` undefined means the partner defaults. */
interface AgentPlugins {
  readonly own: readonly PluginUse[] | undefined;
  readonly extendDefaults: boolean;
}

interface RegistryDeps {
  readonly client: RbmClient;
  readonly log: Logger;
  readonly registry?: PluginRegistry;
}

/**
 * Which plugins each agent runs, and its runtime. The rule, RBM's own precedence for agent
 * and partner webhooks: an agent with its own `plugins` gets exactly that list (after the
 * partner defaults if it sets `extendDefaults`); every other agent, configured or not, gets
 * the partner defaults. Plugin lists are resolved (names looked up, keys checked, options
 * checked against each plugin's schema and parsed) when they are set, never on the request
 * path: a bad list throws a ConfigError and changes nothing.
 */
export class AgentRegistry {
  private defaults: readonly PluginUse[] = [];
  private readonly agents = new Map<string, AgentPlugins>();
  private readonly runtimes = new Map<string, AgentRuntime>();
  private partnerScope: AgentRuntime | undefined;

  constructor(private readonly deps: RegistryDeps) {}

  /** Replaces the partner-default plugins; agents using them switch on their next event. */
  setDefaults(specs: readonly PluginSpec[]): void {
    this.defaults = toPluginUses(specs, this.deps.registry, 'partner.plugins');
    for (const [agentId, runtime] of this.runtimes) {
      const agent = this.agents.get(agentId);
      if (agent?.own === undefined || agent.extendDefaults) this.retire(agentId, runtime);
    }
    if (this.partnerScope !== undefined) void this.partnerScope.close();
    this.partnerScope = undefined;
  }

  /** Adds or replaces an agent's config; its runtime is rebuilt on its next event. */
  set(agentId: string, config: AgentConfig): void {
    // Resolved now, so a bad list fails the call rather than the next event.
    const own = config.plugins === undefined ? undefined : toPluginUses(config.plugins, this.deps.registry, `agents.${agentId}.plugins`);
    this.agents.set(agentId, { own, extendDefaults: config.extendDefaults === true });
    const runtime = this.runtimes.get(agentId);
    if (runtime !== undefined) this.retire(agentId, runtime);
  }

  /**
   * Sets the partner defaults and every configured agent at once (at start-up), reporting the
   * mistakes of every plugin list together in one ConfigError rather than the first list's.
   *
   * @example
   * registry.configure(config.partner?.plugins ?? [], config.agents ?? {});
   */
  configure(defaults: readonly PluginSpec[], agents: Readonly<Record<string, AgentConfig>>): void {
    const errors: ConfigError[] = [];
    const collect = (apply: () => void) => {
      try {
        apply();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        errors.push(error);
      }
    };
    collect(() => this.setDefaults(defaults));
    for (const [agentId, config] of Object.entries(agents)) collect(() => this.set(agentId, config));
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      const lines = errors.flatMap((error) => error.message.replace(/^invalid rbmkit config:\n/, '').split('\n').map((line) => line.trim()));
      throw new ConfigError(`invalid rbmkit config:\n  ${lines.join('\n  ')}`);
    }
  }

  /** Forgets an agent's config: it falls back to the partner defaults. */
  remove(agentId: string): boolean {
    const existed = this.agents.delete(agentId);
    const runtime = this.runtimes.get(agentId);
    if (runtime !== undefined) this.retire(agentId, runtime);
    return existed;
  }

  /** Keys of the plugins the agent runs, by the rule above. */
  pluginKeysFor(agentId: string): string[] {
    return this.usesFor(agentId).map((use) => use.key);
  }

  /** The agent's runtime, created (not yet set up) on first use. */
  runtime(agentId: string): AgentRuntime {
    let runtime = this.runtimes.get(agentId);
    if (runtime === undefined) {
      runtime = new AgentRuntime(agentId, 'agent', this.usesFor(agentId), {
        client: this.deps.client,
        log: this.deps.log.child({ agentId }),
      });
      this.runtimes.set(agentId, runtime);
    }
    return runtime;
  }

  /** The partner webhook's own scope, running the partner defaults, for `rejected` notices. */
  partner(): AgentRuntime {
    this.partnerScope ??= new AgentRuntime(PARTNER_SCOPE_ID, 'partner', this.defaults, {
      client: this.deps.client,
      log: this.deps.log.child({ scope: 'partner' }),
    });
    return this.partnerScope;
  }

  /** Tears down every runtime. */
  async close(): Promise<void> {
    const all = [...this.runtimes.values()];
    if (this.partnerScope !== undefined) all.push(this.partnerScope);
    this.runtimes.clear();
    this.partnerScope = undefined;
    await Promise.all(all.map((runtime) => runtime.close()));
  }

  /** The agent's plugin uses, from what was resolved when config was set: no parsing here. */
  private usesFor(agentId: string): readonly PluginUse[] {
    const agent = this.agents.get(agentId);
    if (agent?.own === undefined) return this.defaults;
    if (!agent.extendDefaults) return agent.own;
    const ownKeys = new Set(agent.own.map((use) => use.key));
    return [...this.defaults.filter((use) => !ownKeys.has(use.key)), ...agent.own];
  }

  private retire(agentId: string, runtime: AgentRuntime): void {
    this.runtimes.delete(agentId);
    runtime.close().catch((error: unknown) => this.deps.log.error({ err: error, agentId }, 'closing an agent failed'));
  }
}
