import type { Middleware } from 'koa';
import { TIMED_OUT, withinDeadline } from '../dispatch/deadline.js';
import type { Queue } from '../queue/queue.js';
import { storeProblem, type BotStores } from '../stores/bot-stores.js';

const QUEUE_PING_TIMEOUT_MS = 1_000;

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
 * Asks the queue whether its broker answers (1 s at most); resolves with the problem, or
 * undefined when it answers or there is no queue.
 *
 * @example
 * const problem = await queueProblem(queue); // 'the queue does not answer: NATS at … is not connected'
 */
export async function queueProblem(queue: Pick<Queue, 'ping'> | undefined): Promise<string | undefined> {
  if (queue === undefined) return undefined;
  try {
    if ((await withinDeadline(queue.ping(), QUEUE_PING_TIMEOUT_MS)) === TIMED_OUT) throw new Error(`no answer within ${QUEUE_PING_TIMEOUT_MS} ms`);
    return undefined;
  } catch (error) {
    return `the queue does not answer: ${(error as Error).message}`;
  }
}

/**
 * Readiness: the process should get traffic (not shutting down, its dedupe and session
 * stores answer, and its queue's broker, when it has one). Answers JSON; not ready is 503.
 *
 * @example
 * router.get('/readyz', readiness({ dedupe, sessions }, () => closing, queue));
 */
export function readiness(stores: BotStores, isClosing: () => boolean, queue?: Pick<Queue, 'ping'>): Middleware {
  return async (ctx) => {
    let problem: string | undefined;
    if (isClosing()) problem = 'shutting down';
    else {
      const [stored, queued] = await Promise.all([storeProblem(stores), queueProblem(queue)]);
      problem = stored ?? queued;
    }
    if (problem === undefined) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { error: 'not_ready', message: `${problem}; expected traffic to go elsewhere until ready` };
    }
  };
}
