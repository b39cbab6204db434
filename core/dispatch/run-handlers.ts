import { SharedDeadlines, TIMED_OUT } from './deadline.js';

/** Handler time limits, on one timer for all handlers in flight (precision 10 ms). */
const limits = new SharedDeadlines(10);
import type { EventContext } from '../plugin/handler-context.js';

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
 * Runs one plugin's handlers for one event in order, each bounded by `timeoutMs`. Handlers
 * that return no promise cost no promise and no timer: the result is then `undefined`, else a
 * promise of the rest. A failure is a {@link PluginError}, thrown or rejected.
 *
 * @example
 * const pending = runPluginHandlers({ key: 'echo', handlers }, event, ctx, 10_000, abort);
 * if (pending !== undefined) await pending;
 */
export function runPluginHandlers(
  group: PluginHandlers,
  event: unknown,
  ctx: EventContext,
  timeoutMs: number,
  abort: (reason: Error) => void,
): Promise<void> | undefined {
  const { handlers } = group;
  for (let i = 0; i < handlers.length; i += 1) {
    let result: unknown;
    try {
      result = handlers[i]!(event, ctx);
    } catch (error) {
      throw new PluginError(group.key, error);
    }
    if (isThenable(result)) return finishAsync(group, event, ctx, timeoutMs, abort, result, i + 1);
  }
  return undefined;
}

/** Awaits a pending handler, then runs the rest one by one. */
async function finishAsync(
  group: PluginHandlers,
  event: unknown,
  ctx: EventContext,
  timeoutMs: number,
  abort: (reason: Error) => void,
  pending: PromiseLike<unknown>,
  next: number,
): Promise<void> {
  await bounded(group, pending, timeoutMs, abort);
  for (let i = next; i < group.handlers.length; i += 1) {
    let result: unknown;
    try {
      result = group.handlers[i]!(event, ctx);
    } catch (error) {
      throw new PluginError(group.key, error);
    }
    if (isThenable(result)) await bounded(group, result, timeoutMs, abort);
  }
}

/** Waits for one handler within the time limit; past it, aborts `ctx.signal` and fails. */
async function bounded(group: PluginHandlers, pending: PromiseLike<unknown>, timeoutMs: number, abort: (reason: Error) => void): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await limits.race(Promise.resolve(pending), timeoutMs);
  } catch (error) {
    throw new PluginError(group.key, error);
  }
  if (outcome === TIMED_OUT) {
    const error = new HandlerTimeoutError(`a handler of plugin "${group.key}" took longer than ${timeoutMs} ms`);
    abort(error);
    throw new PluginError(group.key, error);
  }
}
