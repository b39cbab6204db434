import type { Middleware } from 'koa';
import { TIMED_OUT, withinDeadline } from '../dispatch/deadline.js';
import type { DedupeStore } from '../stores/dedupe-store.js';

const PING_TIMEOUT_MS = 1_000;

/**
 * Liveness: the process serves requests.
 *
 * @example
 * router.get('/healthz', liveness());
 */
export function liveness(): Middleware {
  return (ctx) => {
    ctx.body = { status: 'ok' };
  };
}

/**
 * Readiness: the process should get traffic (not shutting down, its dedupe store answers).
 * Answers JSON; not ready is 503.
 *
 * @example
 * router.get('/readyz', readiness(store, () => closing));
 */
export function readiness(store: DedupeStore, isClosing: () => boolean): Middleware {
  return async (ctx) => {
    let problem: string | undefined;
    if (isClosing()) problem = 'shutting down';
    else if (store.ping !== undefined) {
      try {
        if ((await withinDeadline(store.ping(), PING_TIMEOUT_MS)) === TIMED_OUT) throw new Error(`no answer within ${PING_TIMEOUT_MS} ms`);
      } catch (error) {
        problem = `the dedupe store does not answer: ${(error as Error).message}`;
      }
    }
    if (problem === undefined) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { error: 'not_ready', message: `${problem}; expected traffic to go elsewhere until ready` };
    }
  };
}
