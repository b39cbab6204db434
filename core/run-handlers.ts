import { TIMED_OUT, withinDeadline } from './deadline.js';
import type { EventContext } from './handler-context.js';

/** A handler as stored on the bus, with the key of the plugin that subscribed it. */
export type StoredHandler = (event: unknown, ctx: EventContext) => unknown;

/** One plugin's handlers for one event, in the order they were subscribed. */
export interface PluginHandlers {
  readonly key: string;
  readonly handlers: readonly StoredHandler[];
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

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * Runs one plugin's handlers for one event in order, awaiting each, each bounded by
 * `timeoutMs` (a synchronous handler costs no timer). Throws a {@link PluginError}.
 *
 * @example
 * await runPluginHandlers({ key: 'echo', handlers }, event, ctx, 10_000, abort);
 */
export async function runPluginHandlers(
  group: PluginHandlers,
  event: unknown,
  ctx: EventContext,
  timeoutMs: number,
  abort: (reason: Error) => void,
): Promise<void> {
  for (const handler of group.handlers) {
    try {
      const result = handler(event, ctx);
      if (isThenable(result)) {
        if ((await withinDeadline(result, timeoutMs)) === TIMED_OUT) {
          const error = new HandlerTimeoutError(`a handler of plugin "${group.key}" took longer than ${timeoutMs} ms`);
          abort(error);
          throw error;
        }
      }
    } catch (error) {
      throw new PluginError(group.key, error);
    }
  }
}
