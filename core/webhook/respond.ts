import type { Context } from 'koa';
import { TIMED_OUT } from '../dispatch/deadline.js';
import type { Outcome } from '../dispatch/outcome.js';
import type { PluginError } from '../dispatch/run-handlers.js';
import { HttpError } from '../errors.js';
import type { RejectReason } from '../events/event-types.js';
import type { IngressDeps } from './ingress-deps.js';
import { publishFailures } from './push-failures.js';

/** At most this many characters of an error message go into an answer's details. */
const DETAIL_LIMIT = 500;

/** What an answer says of each failed plugin, under `exposeErrors`. */
export interface FailureDetails {
  readonly plugins: ReadonlyArray<{ readonly plugin: string; readonly error: string }>;
}

/**
 * The `details` of an answer under `exposeErrors`: each failed plugin and its error's message,
 * cut at 500 characters. Never stacks, never causes.
 *
 * @example
 * failureDetails([new PluginError('crm', new Error('db down'))]); // { plugins: [{ plugin: 'crm', error: 'db down' }] }
 */
export function failureDetails(errors: readonly PluginError[]): FailureDetails {
  return {
    plugins: errors.map(({ plugin, cause }) => {
      const message = cause instanceof Error ? cause.message : String(cause);
      return { plugin, error: message.length > DETAIL_LIMIT ? `${message.slice(0, DETAIL_LIMIT - 1)}…` : message };
    }),
  };
}

/** What Koa writes for an object body: `mime-types.contentType('json')`. */
const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * The answers of the common outcomes, serialized once. Koa takes a string body with its type
 * already set the short way: no type lookups, no stream, Blob or Response checks, no
 * JSON.stringify per push.
 */
const SETTLED_ANSWERS = { handled: JSON.stringify({ status: 'handled' }), duplicate: JSON.stringify({ status: 'duplicate' }) } as const;

/**
 * Answers a push by what its plugins came to: 200 with a status when Google must not redeliver
 * (handled, duplicate, failed for good), else throws the HttpError (500 or 503) jsonErrors
 * answers, so Google does. Publishes plugin failures on {@link publishFailures}' channel.
 *
 * @throws HttpError 500 plugin_failed (unless `exposeErrors`), 503 still_running, in_flight, store_unavailable or overloaded.
 * @example
 * respondOutcome(ctx, await deps.deadlines.race(delivered, deps.ackDeadlineMs), deps);
 */
export function respondOutcome(ctx: Context, outcome: Outcome | typeof TIMED_OUT, deps: Pick<IngressDeps, 'ackDeadlineMs' | 'exposeErrors' | 'log'>): void {
  if (outcome === TIMED_OUT) {
    throw new HttpError(
      503,
      'still_running',
      `handlers are still running after ${deps.ackDeadlineMs} ms; expected a redelivery, which will find them done`,
      { 'Retry-After': '10' },
    );
  }
  switch (outcome.status) {
    case 'handled':
    case 'duplicate':
      // The type Koa would give the object ('json'), set first; then the body as its JSON text.
      ctx.set('Content-Type', JSON_TYPE);
      ctx.body = SETTLED_ANSWERS[outcome.status];
      return;
    case 'failedPermanently':
      publishFailures(ctx.req, outcome, false);
      ctx.body = { status: 'failed_permanently', plugins: outcome.plugins, ...(deps.exposeErrors === true ? { details: failureDetails(outcome.errors) } : {}) };
      return;
    case 'failed': {
      publishFailures(ctx.req, outcome, false);
      const message = `plugins failed: ${outcome.plugins.join(', ')}; a redelivery will run only those again`;
      if (deps.exposeErrors !== true) throw new HttpError(500, 'plugin_failed', message);
      // The answer jsonErrors would give, plus the details.
      deps.log.debug({ path: ctx.path, code: 'plugin_failed' }, `answered 500 plugin_failed: ${message}`);
      ctx.status = 500;
      ctx.body = { error: 'plugin_failed', message, details: failureDetails(outcome.errors) };
      return;
    }
    case 'busy':
    case 'lost':
      throw new HttpError(503, 'in_flight', 'this event is being handled elsewhere; expected a redelivery later', { 'Retry-After': '10' });
    case 'storeUnavailable':
      throw new HttpError(503, 'store_unavailable', `${outcome.message}; expected a redelivery once the store is back`, { 'Retry-After': '10' });
    case 'overloaded':
      throw new HttpError(503, 'overloaded', 'too many events in flight; expected a redelivery later', { 'Retry-After': '5' });
  }
}

/**
 * Whether a refusal is acknowledged with 200 rather than answered with its own status: a
 * 200 refusal (`too_old`) always, a 401 signature failure under `signaturePolicy:
 * 'acknowledge'`, a wrong handshake never (Google must see it fail).
 *
 * @example
 * acknowledges(401, false, 'acknowledge'); // true
 */
export function acknowledges(status: number, handshake: boolean, signaturePolicy: IngressDeps['signaturePolicy']): boolean {
  return !handshake && (status === 200 || (status === 401 && signaturePolicy === 'acknowledge'));
}

/**
 * Answers a refused request: acknowledged, 200 `{status: 'dropped', reason}`; else throws the
 * HttpError jsonErrors answers (`{error: reason, message}` with the refusal's status).
 *
 * @throws HttpError with the refusal's status when it is not acknowledged.
 * @example
 * respondRejection(ctx, 'bad_signature', 401, rejectionFor(hook.dialect, 'bad_signature').message, false); // throws the 401
 */
export function respondRejection(ctx: Context, reason: RejectReason, status: number, message: string, acknowledged: boolean): void {
  if (!acknowledged) throw new HttpError(status, reason, message);
  ctx.status = 200;
  ctx.body = { status: 'dropped', reason };
}
