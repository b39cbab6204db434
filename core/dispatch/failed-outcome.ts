import type { FailedOutcome } from './outcome.js';
import type { PluginError } from './run-handlers.js';

/**
 * The outcome of a delivery whose plugins failed. `errors` (what each plugin threw, with stack
 * and cause) is not enumerable: an outcome that is logged or serialized carries the plugin names
 * only, never the errors by accident; ingress reads them on purpose.
 *
 * @example
 * failedOutcome('failed', [new PluginError('crm', new Error('db down'))]); // { status: 'failed', plugins: ['crm'] } (+ errors)
 */
export function failedOutcome(status: 'failed' | 'failedPermanently', errors: readonly PluginError[], attempt?: number): FailedOutcome {
  const outcome = { status, plugins: errors.map((error) => error.plugin), errors, attempt };
  // Read on purpose (ingress, the queue worker's retry count); never logged or serialized by accident.
  Object.defineProperty(outcome, 'errors', { enumerable: false });
  Object.defineProperty(outcome, 'attempt', { enumerable: false });
  return outcome as FailedOutcome;
}
