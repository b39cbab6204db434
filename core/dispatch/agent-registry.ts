import { LRUCache } from 'lru-cache';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { OptOutList } from '../campaign/opt-outs.js';
import { MemorySessionStore } from '../stores/session-store.js';
import type { Logger } from 'pino';
import { AgentRuntime, PARTNER_SCOPE_ID } from './agent-runtime.js';
import type { AgentConfig, PluginSpec } from '../config/config-schema.js';
import type { PluginUse } from '../plugin/define-plugin.js';
import { toPluginUses } from '../plugin/plugin-uses.js';
import { ConfigError } from '../errors.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import { isRbmClient, type RbmClient } from '../client/rbm-client.js';
import type { AgentClientInput } from '../config/config-schema.js';
import { agentClient } from '../config/client-from-settings.js';
import type { UnreachableSink } from './agent-runtime.js';

/**
 * An agent's plugins and client as resolved when its config was set: `own` undefined means the
 * partner defaults, `client` undefined the bot's client.
 */
interface AgentPlugins {
  readonly own: readonly PluginUse[] | undefined;
  readonly extendDefaults: boolean;
  readonly client: RbmClient | undefined;
}

interface RegistryDeps {
  /** The bot's client: every agent without a client of its own uses it. */
  readonly client: RbmClient;
  /**
   * Makes an agent's client from its config's `client` (given in code, or settings) when the
   * config is set. Default: the client itself, or an HttpRbmClient built from the settings.
   */
  readonly makeClient?: (given: AgentClientInput, where: string) => RbmClient;
  /** Where the runtimes' `unreachable` notices go. */
  readonly unreachable?: UnreachableSink;
  /** The bot's opt-out list, each agent's share handed to its plugins. Default: one in memory. */
  readonly optOuts?: OptOutList;
  readonly log: Logger;
  readonly registry?: PluginRegistry;
  /** Runtimes kept at once, at most; past it the least recently used is torn down. Default 10,000. */
  readonly maxRuntimes?: number;
  /** A runtime unused this long (ms) is torn down. Default 600,000. */
  readonly idleMs?: number;
  /** The clock (ms), for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The options of every lookup, made once: lru-cache's `get` makes an empty object when given
 * none (56 bytes a lookup), and writes into it only its `status`, undefined unless a diagnostics
 * channel listens.
 */
const LOOKUP: LRUCache.GetOptions<string, AgentRuntime, unknown> = {};

/**
 * Which plugins each agent runs, and its runtime. The rule, RBM's own precedence for agent
 * and partner webhooks: an agent with its own `plugins` gets exactly that list (after the
 * partner defaults if it sets `extendDefaults`); every other agent, configured or not, gets
 * the partner defaults, whether or not it has a webhook of its own (plugin lists and webhooks
 * are separate settings). Plugin lists are resolved (names looked up, keys checked, options
 * checked against each plugin's schema and parsed) when they are set, never on the request
 * path: a bad list throws a ConfigError and changes nothing.
 *
 * Runtimes are kept least recently used first: past `maxRuntimes`, or unused for `idleMs`, a
 * runtime is torn down (its plugins' teardowns run) and made anew on the agent's next event;
 * the agent's config stays. So many agents, each pushing once, cannot grow memory without bound.
 *
 * A runtime with events in flight (see {@link AgentRuntime.enter}) is never torn down under
 * them: evicted while busy, it leaves the count at once but is torn down only when its last
 * event ends; an event for its agent before then re-admits it, so the agent's plugin state is
 * never split between two live runtimes. One retired by a config change also finishes its
 * events first, but is never re-admitted: the agent's next event gets a runtime of the new config.
 *
 * @example
 * const registry = new AgentRegistry({ client, log, maxRuntimes: 1_000, idleMs: 600_000 });
 * registry.configure([echo], { 'shop@rbm.goog': { plugins: [keywords.with({ routes })] } });
 * registry.runtime('shop@rbm.goog'); // made on first use, kept while in use
 */
export class AgentRegistry {
  private defaults: readonly PluginUse[] = [];
  private readonly agents = new Map<string, AgentPlugins>();
  /**
   * The kept runtimes, by agent: bounded by `maxRuntimes` (least recently used out first) and
   * by `idleMs` since last handed out. What leaves it goes through {@link AgentRegistry.dropped}.
   */
  private readonly runtimes: LRUCache<string, AgentRuntime>;
  /**
   * Runtimes evicted (by the count bound or idleness) while running events, by agent: torn
   * down once idle, or re-admitted if their agent gets an event first.
   */
  private readonly draining = new Map<string, AgentRuntime>();
  /** Every retired runtime still running events (the draining ones too): each torn down when its last event ends. */
  private readonly retiring = new Set<AgentRuntime>();
  /** While {@link AgentRegistry.close} empties `runtimes`: what it takes out, to tear down and await. */
  private closing: AgentRuntime[] | undefined;
  private partnerScope: AgentRuntime | undefined;
  private readonly now: () => number;
  /** The clock's reading when the registry was made, less 1 ms: the cache's time counts from here. */
  private readonly epoch: number;
  /**
   * The cache's clock: ms from `epoch` to the latest lookup, read once per lookup rather than at
   * each of the cache's checks (what it does between lookups sees the latest one's time). A
   * small integer, which V8 keeps unboxed for the first 24 days: handing the cache the clock's
   * own reading would cost 16 bytes at each of its two reads per lookup. Never 0, which
   * lru-cache takes for "no time limit".
   */
  private lookedUpAt = 1;
  /** The agent whose lookup is under way: its own runtime, found idle past `idleMs`, is kept, not dropped. */
  private lookingUp: string | undefined;
  /** That runtime, handed from `dropped` back to the lookup. */
  private expiredOnLookup: AgentRuntime | undefined;
  private readonly sweepEveryMs: number;
  private sweptAt = 0;

  private readonly optOuts: OptOutList;

  constructor(private readonly deps: RegistryDeps) {
    this.optOuts = deps.optOuts ?? new OptOutList(new MemorySessionStore());
    const idleMs = deps.idleMs ?? CONFIG_DEFAULTS.agentIdleMs;
    this.now = deps.now ?? Date.now;
    this.epoch = this.now() - 1;
    this.runtimes = new LRUCache<string, AgentRuntime>({
      max: deps.maxRuntimes ?? CONFIG_DEFAULTS.maxAgentRuntimes,
      ttl: idleMs,
      updateAgeOnGet: true,
      perf: { now: () => this.lookedUpAt },
      // Nothing to save by caching a field's value, which lru-cache does behind a timer made anew each time it lapses.
      ttlResolution: 0,
      dispose: this.dropped,
    });
    this.sweepEveryMs = Math.min(1_000, idleMs);
  }

  /** How many agent runtimes are kept now (not counting evicted ones still finishing events). */
  get runtimeCount(): number {
    return this.runtimes.size;
  }

  /** Replaces the partner-default plugins; agents using them switch on their next event. */
  setDefaults(specs: readonly PluginSpec[]): void {
    this.defaults = toPluginUses(specs, this.deps.registry, 'partner.plugins');
    // The cache's listing skips runtimes past `idleMs` not yet swept: swept first, as the next
    // sweep would (the busy ones join `draining`, handled below; the others are torn down).
    this.runtimes.purgeStale();
    for (const agentId of [...this.runtimes.keys()]) {
      const agent = this.agents.get(agentId);
      if (agent?.own === undefined || agent.extendDefaults) this.runtimes.delete(agentId);
    }
    for (const agentId of this.draining.keys()) {
      const agent = this.agents.get(agentId);
      // It runs the old defaults: left to finish its events, never re-admitted.
      if (agent?.own === undefined || agent.extendDefaults) this.draining.delete(agentId);
    }
    if (this.partnerScope !== undefined) void this.partnerScope.close();
    this.partnerScope = undefined;
  }

  /** Adds or replaces an agent's config; its runtime is rebuilt on its next event. */
  set(agentId: string, config: AgentConfig): void {
    // Resolved now, so a bad list fails the call rather than the next event.
    const own = config.plugins === undefined ? undefined : toPluginUses(config.plugins, this.deps.registry, `agents.${agentId}.plugins`);
    const where = `agents.${agentId}.client`;
    if (config.client !== undefined && !isRbmClient(config.client) && config.webhook?.dialect === 'business-messages') {
      // Settings build an HttpRbmClient: every reply to a BM conversation would fail at the RBM API.
      throw new ConfigError(
        `invalid rbmkit config:\n  ${where}: client settings build an RBM API client, but this agent's webhook speaks Business Messages; expected a BmClient given in code, or no client (the webhook's own, webhook.client)`,
      );
    }
    const client = config.client === undefined ? undefined : (this.deps.makeClient ?? agentClient)(config.client, where);
    this.agents.set(agentId, { own, extendDefaults: config.extendDefaults === true, client });
    this.rebuild(agentId);
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
    this.rebuild(agentId);
    return existed;
  }

  /** Keys of the plugins the agent runs, by the rule above. */
  pluginKeysFor(agentId: string): string[] {
    return this.usesFor(agentId).map((use) => use.key);
  }

  /**
   * The client an agent's calls go through: its own (`agents.<id>.client`), else the bot's.
   * The one place this is decided.
   *
   * @example
   * registry.clientFor('shop@rbm.goog'); // shop's own HttpRbmClient, or the bot's client
   */
  clientFor(agentId: string): RbmClient {
    return this.agents.get(agentId)?.client ?? this.deps.client;
  }

  /**
   * The agent's runtime, created (not yet set up) on first use or after it was evicted and torn
   * down; one evicted while its events still run is handed out again (re-admitted) instead.
   *
   * @example
   * const outcome = await dispatcher.deliver(registry.runtime(event.agentId), event);
   */
  runtime(agentId: string): AgentRuntime {
    const now = (this.lookedUpAt = this.now() - this.epoch);
    // Made the most recently used, its idle time restarted. One idle past `idleMs` that no sweep
    // dropped yet is its agent's again: an event for it is use, not a reason to set it up anew.
    this.lookingUp = agentId;
    const kept = this.runtimes.get(agentId, LOOKUP);
    this.lookingUp = undefined;
    // lru-cache writes a lookup's status into its options when a diagnostics channel listens: not kept from one lookup to the next.
    LOOKUP.status = undefined;
    const expired = this.expiredOnLookup;
    if (expired !== undefined) {
      this.expiredOnLookup = undefined;
      this.admit(agentId, expired);
    }
    this.sweepIdle(now);
    if (kept !== undefined) return kept;
    if (expired !== undefined) return expired;
    const evicted = this.draining.get(agentId);
    if (evicted !== undefined) {
      // Still alive, finishing events: a fresh runtime beside it would split the agent's
      // plugin state (sessions, counters, connections) between two instances.
      this.draining.delete(agentId);
      this.retiring.delete(evicted);
      return this.admit(agentId, evicted);
    }
    const own = this.agents.get(agentId)?.client;
    const runtime = new AgentRuntime(agentId, 'agent', this.usesFor(agentId), {
      client: own ?? this.deps.client,
      ownClient: own !== undefined,
      log: this.deps.log.child({ agentId }),
      optOuts: this.optOuts.forAgent(agentId),
      ...(this.deps.unreachable === undefined ? {} : { unreachable: this.deps.unreachable }),
      onIdle: this.idled,
    });
    return this.admit(agentId, runtime);
  }

  /** Keeps `runtime` as the most recently used; past `maxRuntimes`, the least recently used other is dropped. */
  private admit(agentId: string, runtime: AgentRuntime): AgentRuntime {
    this.runtimes.set(agentId, runtime);
    return runtime;
  }

  /**
   * Drops runtimes unused for `idleMs`, looking at most once a second: the cache drops an idle
   * one by itself only when it is looked up, and an agent that never pushes again is not. The
   * look goes over every runtime kept (0.46 ms for 10,000), hence not at every lookup.
   */
  private sweepIdle(now: number): void {
    if (now - this.sweptAt < this.sweepEveryMs) return;
    this.sweptAt = now;
    this.runtimes.purgeStale();
  }

  /**
   * The client an agent's calls go through: its own (`agents.<id>.client`), else the bot's.
   *
   * @example
   * registry.clientOf('shop@rbm.goog').sendMessage({ agentId: 'shop@rbm.goog', phone, message });
   */
  clientOf(agentId: string): RbmClient {
    return this.agents.get(agentId)?.client ?? this.deps.client;
  }

  /** The partner webhook's own scope, running the partner defaults, for `rejected` notices. */
  partner(): AgentRuntime {
    this.partnerScope ??= new AgentRuntime(PARTNER_SCOPE_ID, 'partner', this.defaults, {
      client: this.deps.client,
      log: this.deps.log.child({ scope: 'partner' }),
      optOuts: this.optOuts.forAgent(PARTNER_SCOPE_ID),
    });
    return this.partnerScope;
  }

  /**
   * Tears down every runtime, busy or not: shutdown drains the dispatcher first (within its
   * deadline), so what still runs here is past the point of waiting for.
   */
  async close(): Promise<void> {
    const all = [...this.retiring];
    // Every kept runtime, idle past `idleMs` or not: `dropped` hands each to `all` rather than retiring it.
    this.closing = all;
    try {
      this.runtimes.clear();
    } finally {
      this.closing = undefined;
    }
    if (this.partnerScope !== undefined) all.push(this.partnerScope);
    this.draining.clear();
    this.retiring.clear();
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

  /** Drops the agent's runtime after its config changed, so its next event gets one of the new config. */
  private rebuild(agentId: string): void {
    // Retired through `dropped`: `delete` finds it even when idle past `idleMs`, which a lookup would not.
    this.runtimes.delete(agentId);
    // An evicted one still finishing events runs the old config: left to finish, never re-admitted.
    this.draining.delete(agentId);
  }

  /**
   * A runtime left `runtimes`: by the count bound (`evict`) or the idle one (`expire`), both
   * re-admitted if their agent gets an event before they are torn down; or taken out on purpose
   * (`delete`: a config change, or `close`), never re-admitted.
   */
  private readonly dropped = (runtime: AgentRuntime, agentId: string, reason: LRUCache.DisposeReason): void => {
    if (this.closing !== undefined) this.closing.push(runtime);
    else if (reason === 'expire' && agentId === this.lookingUp) this.expiredOnLookup = runtime;
    else this.retire(agentId, runtime, reason === 'evict' || reason === 'expire');
  };

  /**
   * Tears down a runtime no longer handed out, once its events in flight have ended;
   * `readmit`: an event for its agent before then gets it back (eviction), else a new one (config change).
   */
  private retire(agentId: string, runtime: AgentRuntime, readmit: boolean): void {
    if (runtime.busy) {
      // Teardowns now would run under a handler still using its plugin's state: deferred to `idled`.
      this.retiring.add(runtime);
      if (readmit) this.draining.set(agentId, runtime);
      return;
    }
    this.tearDown(agentId, runtime);
  }

  /** A runtime's last event in flight ended: torn down if it was retired meanwhile (and not re-admitted). */
  private readonly idled = (runtime: AgentRuntime): void => {
    if (!this.retiring.delete(runtime)) return;
    if (this.draining.get(runtime.id) === runtime) this.draining.delete(runtime.id);
    this.tearDown(runtime.id, runtime);
  };

  private tearDown(agentId: string, runtime: AgentRuntime): void {
    runtime.close().catch((error: unknown) => this.deps.log.error({ err: error, agentId }, 'closing an agent failed'));
  }
}
