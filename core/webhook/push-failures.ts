import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Outcome } from '../dispatch/outcome.js';
import type { PluginError } from '../dispatch/run-handlers.js';

/**
 * The diagnostics channel on which ingress publishes the plugin failures of each push, when
 * someone listens (`rbmkit/testing` does, to hand a test the errors themselves). Nothing is
 * built when no one does.
 */
export const PUSH_FAILURES_CHANNEL = 'rbmkit:push-failures';

/** What {@link PUSH_FAILURES_CHANNEL} carries: the request of the push, and what each failed plugin threw. */
export interface PushFailures {
  readonly request: IncomingMessage;
  readonly errors: readonly PluginError[];
  /** True when the push was answered (503 still_running) before its plugins finished. */
  readonly late: boolean;
}

const pushFailures = channel(PUSH_FAILURES_CHANNEL);

/**
 * Tells the listeners of {@link PUSH_FAILURES_CHANNEL}, if any, what the plugins of a push threw.
 *
 * @example
 * publishFailures(ctx.req, outcome, false); // nothing unless the outcome failed and someone listens
 */
export function publishFailures(request: IncomingMessage, outcome: Outcome, late: boolean): void {
  if (!pushFailures.hasSubscribers || (outcome.status !== 'failed' && outcome.status !== 'failedPermanently')) return;
  const message: PushFailures = { request, errors: outcome.errors, late };
  pushFailures.publish(message);
}

/**
 * For a push answered before its plugins finished: publishes their failures once they settle,
 * marked `late`. Waits on nothing when no one listens.
 *
 * @example
 * if (outcome === TIMED_OUT) publishLateFailures(ctx.req, delivered);
 */
export function publishLateFailures(request: IncomingMessage, delivered: Promise<Outcome>): void {
  if (pushFailures.hasSubscribers) void delivered.then((late) => publishFailures(request, late, true), () => undefined);
}
