import type { Logger } from 'pino';
import type { EventMap } from '../events/event-types.js';
import type { SubscribableName } from '../events/event-names.js';
import type { HandlerContext } from './handler-context.js';
import type { RbmClient } from '../client/rbm-client.js';

/** A function that undoes what `setup` did; run when the agent's plugins are torn down. */
export type Teardown = () => void | Promise<void>;

/** A handler for events subscribed under `N`. May be async; it is awaited. */
export type Handler<N extends SubscribableName> = (event: EventMap[N], ctx: HandlerContext) => unknown;

/** What a plugin's `setup` receives: one agent (or the partner webhook's own scope). */
export interface Agent {
  /** The agentId, e.g. `mybot@rbm.goog`; `*partner*` in the partner webhook's scope. */
  readonly id: string;
  /**
   * `agent` for a real agent. `partner` for the partner webhook's own scope, which receives
   * only `rejected` notices for requests that never reached an agent.
   */
  readonly scope: 'agent' | 'partner';
  /** A child logger bound to this agent and plugin. */
  readonly log: Logger;
  /** The RBM API client, for sends beyond `ctx.reply` (proactive messages). */
  readonly client: RbmClient;
  /**
   * Subscribes to events by name: an event (`text`, `read`…), an umbrella (`message`,
   * `userEvent`, `serverEvent`, `any`) or a notice (`rejected`, `failed`). The handler's event
   * is narrowed by the name. An unknown name throws, listing the valid ones.
   *
   * @example
   * agent.on('text', async (event, ctx) => { await ctx.reply(event.text); });
   */
  on<N extends SubscribableName>(name: N, handler: Handler<N>): this;
}

/** A plugin: a name and a `setup` run once per agent that uses it. */
export interface Plugin<O = Record<string, unknown>> {
  readonly name: string;
  /** Subscribes handlers for one agent; may return a teardown. Options are those given, else `{}`. */
  setup(agent: Agent, options: O): void | Teardown | Promise<void | Teardown>;
  /**
   * Uses the plugin with options; `as` names this use when one agent uses a plugin twice.
   *
   * @example
   * plugins: [echo.with({ prefix: 'echo: ' })]
   */
  with(options: O, as?: string): PluginUse<O>;
}

/** A plugin of any options, as lists and registries hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPlugin = Plugin<any>;

/** A plugin with its options, as listed in an agent's or the partner's `plugins`. */
export interface PluginUse<O = unknown> {
  readonly plugin: Plugin<O>;
  readonly options: O;
  /** Unique within one agent: the plugin's name unless given with `as`. */
  readonly key: string;
}

/**
 * Defines a plugin. `setup` runs once per agent, lazily on that agent's first event, so state
 * created in it never leaks between agents.
 *
 * @example
 * export const greeter = definePlugin({
 *   name: 'greeter',
 *   setup(agent, options: { greeting?: string }) {
 *     agent.on('subscribe', (e, ctx) => ctx.reply(options.greeting ?? 'Welcome!'));
 *   },
 * });
 */
export function definePlugin<O = Record<string, unknown>>(definition: {
  name: string;
  setup: (agent: Agent, options: O) => void | Teardown | Promise<void | Teardown>;
}): Plugin<O> {
  if (typeof definition.name !== 'string' || definition.name === '') {
    throw new TypeError('definePlugin: expected a non-empty string "name"');
  }
  if (typeof definition.setup !== 'function') {
    throw new TypeError(`definePlugin(${definition.name}): expected "setup" to be a function`);
  }
  const plugin: Plugin<O> = {
    name: definition.name,
    setup: definition.setup,
    with: (options, as) => ({ plugin, options, key: as ?? definition.name }),
  };
  return Object.freeze(plugin);
}

/**
 * Whether a value is a plugin made by {@link definePlugin}.
 *
 * @example
 * isPlugin(echo); // true
 */
export function isPlugin(value: unknown): value is AnyPlugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Plugin).name === 'string' &&
    typeof (value as Plugin).setup === 'function' &&
    typeof (value as Plugin).with === 'function'
  );
}

/**
 * Whether a value is a plugin use made by `plugin.with(options)`.
 *
 * @example
 * isPluginUse(echo.with({})); // true
 */
export function isPluginUse(value: unknown): value is PluginUse {
  return typeof value === 'object' && value !== null && isPlugin((value as PluginUse).plugin) && typeof (value as PluginUse).key === 'string';
}
