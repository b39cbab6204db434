import { OptOutList, type AgentOptOuts } from '../campaign/opt-outs.js';
import { MemorySessionStore } from '../stores/session-store.js';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import { assertSubscribableName, isEventName, namesFor, type EventName, type NoticeName, type SubscribableName } from '../events/event-names.js';
import type { Agent, Handler, PluginUse, SubscribeOptions, Teardown } from '../plugin/define-plugin.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { PluginHandlers, Stage, StoredHandler } from './run-handlers.js';
import type { UnreachableNotice } from '../events/event-types.js';
import type { DeliveryInfo } from '../plugin/handler-context.js';
import { reportingUnreachable } from './unreachable-reporting-client.js';
import { unreachableNotice } from '../plugin/unreachable-notice.js';

/** The stages of an event, in the order they run. */
const STAGES: readonly Stage[] = ['observe', 'handle', 'fallback'];

/** What `ready()` answers when every setup succeeded: no plugin failed. */
export const NO_FAILURES: ReadonlyMap<string, unknown> = new Map();
const ALL_READY = Promise.resolve(NO_FAILURES);

/** The partner webhook's own scope: it hears `rejected` notices that never reached an agent. */
export const PARTNER_SCOPE_ID = '*partner*';

interface PluginState {
  readonly use: PluginUse;
  teardown?: Teardown;
  /** Set when `setup` threw; setup is tried again on the next event. */
  setupError?: unknown;
}

/**
 * Hands an `unreachable` notice to a runtime's plugins (the dispatcher does). `fromClient`:
 * the send went through `agent.client`/`ctx.client`, outside any context that could tell
 * whether it was made while handling an `unreachable` notice.
 */
export type UnreachableSink = (runtime: AgentRuntime, notice: UnreachableNotice, delivery: DeliveryInfo | undefined, fromClient: boolean) => Promise<void>;

interface RuntimeDeps {
  /** The client this agent's calls go through: its own, else the bot's (the registry decides). */
  readonly client: RbmClient;
  /** True when `client` is the agent's own (`agents.<id>.client`), not the bot's. */
  readonly ownClient?: boolean;
  readonly log: Logger;
  /** Where `unreachable` notices go; without it none is made. */
  readonly unreachable?: UnreachableSink;
  /** This agent's opt-out list (`agent.optOuts`). Default: one in memory, of its own. */
  readonly optOuts?: AgentOptOuts;
  /**
   * Called when the runtime's last event in flight ends (see {@link AgentRuntime.enter}): the
   * registry tears down then a runtime it evicted while it was busy.
   */
  readonly onIdle?: (runtime: AgentRuntime) => void;
}

/**
 * One agent's plugin instances and its bus. Created when the agent's first event arrives,
 * torn down when its configuration changes or the bot closes. Plugin state lives in the
 * closures of `setup`, so nothing leaks across agents.
 *
 * @example
 * const runtime = new AgentRuntime('shop@rbm.goog', 'agent', [echo.with({})], { client, log });
 * await runtime.ready(); // runs every setup once
 * runtime.handlersFor('text'); // [{ key: 'echo', handlers: [...] }]
 */
export class AgentRuntime {
  /** eventemitter3 holds the subscriptions; rbmkit calls them itself, awaiting and isolating each. */
  private readonly bus = new EventEmitter();
  private readonly owner = new WeakMap<StoredHandler, string>();
  /** Each subscription's stage, when not `handle`. */
  private readonly stageOf = new WeakMap<StoredHandler, Stage>();
  private readonly plugins: PluginState[];
  private readonly routes = new Map<SubscribableName | EventName, PluginHandlers[]>();
  private starting: Promise<void> | undefined;
  /** True while plugins' setups run: a notice raised by a setup must not wait for them. */
  private inSetup = false;
  private closed = false;
  private setupFailures = 0;
  /** Every setup has run at least once. */
  private settled = false;
  /** Per plugin: the agent's client, reporting unreachable users as `unreachable` notices. */
  private readonly clients = new Map<string, RbmClient>();
  private optOuts: AgentOptOuts | undefined;
  /** Events accepted for this runtime and not finished yet (running, or waiting their turn). */
  private inFlight = 0;

  constructor(
    readonly id: string,
    readonly scope: 'agent' | 'partner',
    uses: readonly PluginUse[],
    private readonly deps: RuntimeDeps,
  ) {
    this.plugins = uses.map((use) => ({ use }));
  }

  /** This agent's logger. */
  get log(): Logger {
    return this.deps.log;
  }

  /** The client this agent's calls go through: its own, else the bot's. */
  get client(): RbmClient {
    return this.deps.client;
  }

  /** Whether the agent has a client of its own, which wins over a webhook's client. */
  get hasOwnClient(): boolean {
    return this.deps.ownClient === true;
  }

  /**
   * True while events run in this runtime (or wait their turn to): it must not be torn down
   * then, or its plugins' teardowns would pull their state from under a running handler.
   */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * Pins the runtime for one event, from when the dispatcher accepts it until the matching
   * {@link AgentRuntime.leave}: the registry defers the teardown of a runtime it evicts while
   * pinned. Counted from acceptance, not from the handlers' start, because an event waiting
   * its conversation's turn already holds this runtime and will run in it.
   *
   * @example
   * runtime.enter();
   * try { await runEvent(runtime, event); } finally { runtime.leave(); }
   */
  enter(): void {
    this.inFlight += 1;
  }

  /**
   * Unpins the runtime for one event that ended (see {@link AgentRuntime.enter}); the last one
   * to end tells the registry (`onIdle`), which tears the runtime down if it evicted it meanwhile.
   *
   * @example
   * runtime.leave(); // once per enter(), when the event's outcome is known
   */
  leave(): void {
    // A stray leave must not drive the count negative and unpin the next event early.
    if (this.inFlight === 0) return;
    this.inFlight -= 1;
    if (this.inFlight === 0) this.deps.onIdle?.(this);
  }

  /**
   * Hands an `unreachable` notice to this agent's plugins and resolves once they handled it
   * (nothing when the runtime was made without a notice sink).
   *
   * @example
   * await runtime.reportUnreachable({ type: 'unreachable', agentId, phone, message, messageId, error }, ctx.delivery);
   */
  reportUnreachable(notice: UnreachableNotice, delivery?: DeliveryInfo, fromClient = false): Promise<void> {
    return this.deps.unreachable?.(this, notice, delivery, fromClient) ?? Promise.resolve();
  }

  /**
   * The client plugin `key` sees as `agent.client` and `ctx.client`: this agent's client,
   * whose `sendMessage` reports a user Google cannot reach as an `unreachable` notice (naming
   * the plugin) before it rejects.
   */
  clientFor(key: string): RbmClient {
    let client = this.clients.get(key);
    if (client === undefined) {
      client = this.deps.unreachable === undefined
        ? this.deps.client
        : reportingUnreachable(this.deps.client, (request, error) =>
            this.reportUnreachable(unreachableNotice(request, error, key), undefined, true),
          );
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * True while the plugins' setups run. A send a setup makes that raises a notice must not
   * wait for `ready()`: that would wait for the very setup that is waiting for the send.
   */
  get settingUp(): boolean {
    return this.inSetup;
  }

  /** Every plugin is set up and none failed: {@link AgentRuntime.ready} has nothing to wait for. */
  get isReady(): boolean {
    return this.settled && this.setupFailures === 0;
  }

  /**
   * Runs every plugin's setup once (again for those whose setup failed before).
   * Resolves with the keys of plugins whose setup failed, and their errors.
   */
  ready(): Promise<ReadonlyMap<string, unknown>> {
    // The common case, every plugin set up: no allocation at all.
    if (this.settled && this.setupFailures === 0) return ALL_READY;
    return this.setUpAll();
  }

  private async setUpAll(): Promise<ReadonlyMap<string, unknown>> {
    if (this.starting === undefined || this.setupFailures > 0) {
      const previous = this.starting;
      this.starting = (async () => {
        await previous;
        this.inSetup = true;
        try {
          // teardown is set once setup succeeded: the rest never ran or failed.
          for (const state of this.plugins) if (state.teardown === undefined) await this.setUp(state);
        } finally {
          this.inSetup = false;
        }
      })();
    }
    await this.starting;
    this.settled = true;
    if (this.setupFailures === 0) return NO_FAILURES;
    const failed = new Map<string, unknown>();
    for (const state of this.plugins) if (state.setupError !== undefined) failed.set(state.use.key, state.setupError);
    return failed;
  }

  /**
   * The handlers subscribed for an event type or notice, one set per plugin and stage, in
   * plugin order; an event's own name first, then its umbrella, then `any`. Cached:
   * subscriptions only change during setup.
   */
  handlersFor(type: EventName | NoticeName): readonly PluginHandlers[] {
    let handlerSets = this.routes.get(type);
    if (handlerSets === undefined) {
      const names = isEventName(type) ? namesFor(type) : [type];
      handlerSets = [];
      // Stage by stage, each in the agent's plugin order: observers, handlers, fallbacks.
      for (const stage of STAGES) {
        for (const state of this.plugins) {
          const handlers: StoredHandler[] = [];
          for (const name of names) {
            for (const fn of this.bus.listeners(name) as StoredHandler[]) {
              if (this.owner.get(fn) === state.use.key && (this.stageOf.get(fn) ?? 'handle') === stage) handlers.push(fn);
            }
          }
          const key = state.use.key;
          if (handlers.length > 0) handlerSets.push({ key, stage, record: stage === 'handle' ? key : `${key}#${stage}`, handlers });
        }
      }
      this.routes.set(type, handlerSets);
    }
    return handlerSets;
  }

  /** Runs every teardown (each isolated; failures logged) and drops all subscriptions. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting?.catch(() => undefined);
    for (const state of [...this.plugins].reverse()) {
      try {
        await state.teardown?.();
      } catch (error) {
        this.deps.log.error({ err: error, plugin: state.use.key }, 'plugin teardown failed');
      }
    }
    this.bus.removeAllListeners();
    this.routes.clear();
  }

  private async setUp(state: PluginState): Promise<void> {
    const key = state.use.key;
    this.removeListenersOf(key);
    if (state.setupError !== undefined) this.setupFailures -= 1;
    state.setupError = undefined;
    try {
      const teardown = await state.use.plugin.setup(this.agentFor(key), state.use.options as never);
      state.teardown = typeof teardown === 'function' ? teardown : () => undefined;
    } catch (error) {
      state.setupError = error;
      this.setupFailures += 1;
      this.removeListenersOf(key);
      this.deps.log.error({ err: error, plugin: key }, 'plugin setup failed; it will be tried again on the next event');
    }
    this.routes.clear();
  }

  private removeListenersOf(key: string): void {
    for (const name of this.bus.eventNames()) {
      for (const fn of this.bus.listeners(name) as StoredHandler[]) {
        if (this.owner.get(fn) === key) this.bus.removeListener(name, fn);
      }
    }
  }

  private agentFor(key: string): Agent {
    const runtime = this;
    const log = this.deps.log.child({ plugin: key });
    const agent: Agent = {
      id: this.id,
      scope: this.scope,
      log,
      client: this.clientFor(key),
      optOuts: (this.optOuts ??= this.deps.optOuts ?? new OptOutList(new MemorySessionStore()).forAgent(this.id)),
      on<N extends SubscribableName>(name: N, handler: Handler<N>, options?: SubscribeOptions) {
        assertSubscribableName(name);
        if (typeof handler !== 'function') throw new TypeError(`agent.on("${name}"): expected a handler function`);
        const stage = options?.stage ?? 'handle';
        if (!STAGES.includes(stage)) {
          throw new TypeError(`agent.on("${name}"): expected options.stage to be "observe", "handle" or "fallback", got ${JSON.stringify(stage)}`);
        }
        // A fresh function per subscription, so the same handler given twice keeps two owners apart.
        const stored: StoredHandler = (event, ctx) => handler(event as never, ctx);
        runtime.owner.set(stored, key);
        if (stage !== 'handle') runtime.stageOf.set(stored, stage);
        runtime.bus.on(name, stored);
        runtime.routes.clear();
        return agent;
      },
    };
    return agent;
  }
}
