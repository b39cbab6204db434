import { TIMED_OUT, type SharedDeadlines } from './deadline.js';
import type { EventContext } from '../plugin/handler-context.js';
import type { Stage } from '../plugin/stage.js';

/** A handler as stored on the bus, with the key of the plugin that subscribed it. */
export type StoredHandler = (event: unknown, ctx: EventContext) => unknown;

/** When a subscription runs for an event; see {@link SubscribeOptions}. */
export type { Stage } from '../plugin/stage.js';

/** One plugin's handlers of one stage for one event, in the order they were subscribed. */
export interface PluginHandlers {
  /** The plugin's key in the agent's list. */
  readonly key: string;
  readonly stage: Stage;
  /**
   * What the dedupe store records once these handlers completed the event: the plugin's key
   * for its `handle` handlers, `key#observe` or `key#fallback` for the others.
   */
  readonly record: string;
  readonly handlers: readonly StoredHandler[];
}

/** What running a plugin's handlers needs of their set. */
type HandlerSet = Pick<PluginHandlers, 'key' | 'handlers'>;

/** How long one handler may run, and the bot's timer that keeps every such limit. */
export interface HandlerLimit {
  /** The bot's own deadlines (one timer for all its handlers in flight). */
  readonly deadlines: SharedDeadlines;
  readonly ms: number;
}

/** A handler ran past its time limit. Retryable: the redelivery runs it again. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

/** One plugin's failure on one event: its key and what it threw. */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly plugin: string,
    override readonly cause: unknown,
  ) {
    super(`plugin "${plugin}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Whether a value is a promise (anything with a `then`): what a handler or a store answering
 * later returns, as opposed to one answering at once.
 *
 * @example
 * const claim = store.claim(key);
 * const answered = isThenable(claim) ? await claim : claim;
 */
export const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * Runs one plugin's handlers for one event in order, each bounded by `limit`; past it,
 * `ctx.signal` is aborted and the plugin fails with a {@link HandlerTimeoutError}. Handlers that
 * return no promise cost no promise and no timer: the result is then `undefined`, else a
 * promise of the rest. A failure is a {@link PluginError}, thrown or rejected.
 *
 * @example
 * const limit = { deadlines: new SharedDeadlines(10), ms: 10_000 };
 * const pending = runPluginHandlers({ key: 'echo', handlers }, event, ctx, limit);
 * if (pending !== undefined) await pending;
 */
export function runPluginHandlers(handlerSet: HandlerSet, event: unknown, ctx: EventContext, limit: HandlerLimit): Promise<void> | undefined {
  return runFrom(0, handlerSet, event, ctx, limit);
}

/** The loop itself, from handler `first` on: synchronous until a handler returns a promise. */
function runFrom(first: number, handlerSet: HandlerSet, event: unknown, ctx: EventContext, limit: HandlerLimit): Promise<void> | undefined {
  const { handlers } = handlerSet;
  for (let i = first; i < handlers.length; i += 1) {
    let result: unknown;
    try {
      result = handlers[i]!(event, ctx);
    } catch (error) {
      throw new PluginError(handlerSet.key, error);
    }
    // A throw inside `then` rejects the chain: sync failures of later handlers reject too.
    if (isThenable(result)) return bounded(handlerSet, result, ctx, limit).then(() => runFrom(i + 1, handlerSet, event, ctx, limit));
  }
  return undefined;
}

/** Waits for one handler within the time limit; past it, aborts `ctx.signal` and fails. */
async function bounded(handlerSet: HandlerSet, pending: PromiseLike<unknown>, ctx: EventContext, limit: HandlerLimit): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await limit.deadlines.race(Promise.resolve(pending), limit.ms);
  } catch (error) {
    throw new PluginError(handlerSet.key, error);
  }
  if (outcome === TIMED_OUT) {
    const error = new HandlerTimeoutError(`a handler of plugin "${handlerSet.key}" took longer than ${limit.ms} ms`);
    ctx.abort(error);
    throw new PluginError(handlerSet.key, error);
  }
}
