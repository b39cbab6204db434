import type { AgentOptOuts } from '../campaign/opt-outs.js';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EventMap } from '../events/event-types.js';
import type { SubscribableName } from '../events/event-names.js';
import type { HandlerContext } from './handler-context.js';
import type { RbmClient } from '../client/rbm-client.js';

/** A function that undoes what `setup` did; run when the agent's plugins are torn down. */
export type Teardown = () => void | Promise<void>;

/** A handler for events subscribed under `N`. May be async; it is awaited. */
export type Handler<N extends SubscribableName> = (event: EventMap[N], ctx: HandlerContext) => unknown;

/**
 * When a subscription runs, for events (notices ignore it):
 * - `handle` (the default): in the agent's plugin order, each plugin's handlers finishing
 *   before the next plugin's start; none runs once an earlier one called `ctx.claim()`.
 * - `observe`: for every event, claimed or not, side by side with each other and the handlers; may not
 *   claim. For logging, metrics, audit.
 * - `fallback`: after every `handle`, only for an event no one claimed, in plugin order. For
 *   "I did not understand" answers and echo.
 */
export interface SubscribeOptions {
  readonly stage?: 'observe' | 'handle' | 'fallback';
}

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
   * The numbers that opted out of this agent's messages, in the bot's session store: the
   * keywords plugin keeps it on STOP and START, and campaigns skip these numbers.
   *
   * @example
   * agent.on('unsubscribe', (event) => agent.optOuts.add(event.phone));
   */
  readonly optOuts: AgentOptOuts;
  /**
   * Subscribes to events by name: an event (`text`, `read`…), an umbrella (`message`,
   * `userEvent`, `serverEvent`, `any`) or a notice (`rejected`, `failed`, `settled`, `unreachable`,
   * `misrouted`, `undeliverable`). The handler's event
   * is narrowed by the name. An unknown name throws, listing the valid ones. `options.stage`
   * says when it runs (see {@link SubscribeOptions}).
   *
   * @example
   * agent.on('text', async (event, ctx) => { await ctx.reply(event.text); ctx.claim(); });
   * agent.on('message', (event, ctx) => ctx.reply("Sorry, I didn't get that"), { stage: 'fallback' });
   */
  on<N extends SubscribableName>(name: N, handler: Handler<N>, options?: SubscribeOptions): this;
}

/**
 * A plugin: a name and a `setup` run once per agent that uses it. `O` is what `setup` receives,
 * `I` what `.with()` takes (they differ when an options schema applies defaults or transforms).
 */
export interface Plugin<O = Record<string, unknown>, I = O> {
  readonly name: string;
  /**
   * The schema the options are checked against when the bot is created (and when agents or
   * defaults change): a mistake throws a ConfigError there, never on an event. `setup` receives
   * the parsed options, defaults applied. Undefined: options are passed as given.
   */
  readonly options?: z.core.$ZodType<O, I>;
  /** Subscribes handlers for one agent; may return a teardown. Options are those given (parsed by `options`), else `{}`. */
  setup(agent: Agent, options: O): void | Teardown | Promise<void | Teardown>;
  /**
   * Uses the plugin with options; `as` names this use when one agent uses a plugin twice.
   *
   * @example
   * plugins: [echo.with({ prefix: 'echo: ' })]
   */
  with(options: I, as?: string): PluginUse<O, I>;
}

/** A plugin of any options, as lists and registries hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPlugin = Plugin<any, any>;

/**
 * A plugin with its options, as listed in an agent's or the partner's `plugins`. The options
 * are those given to `.with()`; the bot checks them against the plugin's schema when it is
 * created, and hands `setup` the parsed ones.
 */
export interface PluginUse<O = unknown, I = O> {
  readonly plugin: Plugin<O, I>;
  readonly options: I;
  /** Unique within one agent: the plugin's name unless given with `as`. */
  readonly key: string;
}

/**
 * Defines a plugin. `setup` runs once per agent, lazily on that agent's first event, so state
 * created in it never leaks between agents. Give `options` a zod schema to have the options
 * checked when the bot is created: `setup` then receives the schema's output (defaults applied),
 * typed from it.
 *
 * @example
 * export const greeter = definePlugin({
 *   name: 'greeter',
 *   options: z.strictObject({ greeting: z.string().default('Welcome!') }),
 *   setup(agent, options) {                       // options: { greeting: string }
 *     agent.on('subscribe', (e, ctx) => ctx.reply(options.greeting));
 *   },
 * });
 */
export function definePlugin<O = Record<string, unknown>, I = O>(definition: {
  name: string;
  /** A zod schema of the options (zod 4, classic or mini). */
  options?: z.core.$ZodType<O, I>;
  setup: (agent: Agent, options: O) => void | Teardown | Promise<void | Teardown>;
}): Plugin<O, unknown extends I ? O : I> {
  type With = unknown extends I ? O : I;
  if (typeof definition.name !== 'string' || definition.name === '') {
    throw new TypeError('definePlugin: expected a non-empty string "name"');
  }
  if (typeof definition.setup !== 'function') {
    throw new TypeError(`definePlugin(${definition.name}): expected "setup" to be a function`);
  }
  const schema = definition.options;
  if (schema !== undefined && !isSchema(schema)) {
    throw new TypeError(`definePlugin(${definition.name}): expected "options" to be a zod 4 schema, e.g. z.object({ … }), got ${describeValue(schema)}`);
  }
  const plugin: Plugin<O, With> = {
    name: definition.name,
    ...(schema === undefined ? {} : { options: schema as z.core.$ZodType<O, With> }),
    setup: definition.setup,
    with: (options, as) => ({ plugin, options, key: as ?? definition.name }),
  };
  return Object.freeze(plugin);
}

/** A zod 4 schema (classic or mini) carries its internals under `_zod`. */
function isSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { _zod?: unknown })._zod === 'object';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not a zod schema' : typeof value;
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
