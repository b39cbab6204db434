import type { Middleware } from 'koa';
import { storeProblem, type BotStores } from '../stores/bot-stores.js';

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
 * Readiness: the process should get traffic (not shutting down, its dedupe and session
 * stores answer). Answers JSON; not ready is 503.
 *
 * @example
 * router.get('/readyz', readiness({ dedupe, sessions }, () => closing));
 */
export function readiness(stores: BotStores, isClosing: () => boolean): Middleware {
  return async (ctx) => {
    const problem = isClosing() ? 'shutting down' : await storeProblem(stores);
    if (problem === undefined) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { error: 'not_ready', message: `${problem}; expected traffic to go elsewhere until ready` };
    }
  };
}
