import type { Context } from 'koa';
import type {} from 'koa-bodyparser';
import { TIMED_OUT } from '../dispatch/deadline.js';
import type { RbmEvent } from '../events/event-types.js';
import { eventAgeMs } from '../events/event-age.js';
import type { Enqueue } from '../queue/enqueue.js';
import { agentProblem, ownedEvent } from './agent-ownership.js';
import { BM_DIALECT } from './dialects/bm-dialect.js';
import type { Dialect } from './dialects/dialect.js';
import { RBM_DIALECT } from './dialects/rbm-dialect.js';
import type { Handshake } from './envelope.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import { publishLateFailures } from './push-failures.js';
import { refuseUnusable, reject } from './reject.js';
import { respondOutcome } from './respond.js';
import { safeEqual } from './safe-equal.js';
import type { Webhook } from './webhook.js';

/** The default: work started by a request runs on after its answer. */
const runOn: Later = () => undefined;

/**
 * The Koa handler of one webhook (after body parsing): answers the handshake, verifies and
 * decodes pushes, routes each event to its agent and answers by the outcome.
 *
 * @example
 * router.post(hook.path, jsonErrors(log), bodyParser(), webhookHandler(hook, deps));
 */
export function webhookHandler(hook: Webhook, deps: IngressDeps): (ctx: Context) => Promise<void> | void {
  // The dialect is chosen once per webhook, not per push.
  return hook.dialect === 'business-messages' ? dialectHandler(hook, BM_DIALECT, deps) : dialectHandler(hook, RBM_DIALECT, deps);
}

function dialectHandler<Body extends { readonly kind: 'push' | 'bm' }, Signed>(
  hook: Webhook,
  dialect: Dialect<Body, Signed>,
  deps: IngressDeps,
): (ctx: Context) => Promise<void> | void {
  // Not async, nor is answerEvent: while the plugins run, no suspended frame keeps the body,
  // its decoded bytes and data alive (a push in flight holds only what its event needs).
  // A throw here is a rejection for the caller, as from an async function.
  const handle = (ctx: Context, later: Later): Promise<void> | void => {
    deps.telemetry.received(hook.path);
    const body = dialect.read(ctx);
    if (body.kind === 'handshake') return answerHandshake(ctx, hook, body, deps, later);
    return answerEvent(ctx, hook, dialect, body, deps, later);
  };
  if (deps.processBeforeResponse !== true) return (ctx) => handle(ctx, runOn);
  // Serverless: the answer (or the error answered) waits for the notices the request started.
  return async (ctx) => {
    const pending: Promise<unknown>[] = [];
    try {
      await handle(ctx, (work) => void pending.push(work));
    } finally {
      await Promise.all(pending);
    }
  };
}

function answerHandshake(ctx: Context, hook: Webhook, handshake: Handshake, deps: IngressDeps, later: Later): void {
  let matched = false;
  for (const token of hook.tokens) if (safeEqual(token, handshake.clientToken)) matched = true;
  if (!matched) {
    reject(ctx, hook, 'bad_client_token', deps, later, { handshake: true });
    return;
  }
  deps.telemetry.handshake();
  deps.log.info({ webhook: hook.path }, 'verification handshake answered');
  ctx.status = 200;
  ctx.type = 'text/plain';
  ctx.body = handshake.secret;
}

/**
 * An event body, in any dialect: the signature checked, the body made an event, its agent's
 * ownership and age checked, then queued or dispatched. The dialect says how to read, verify
 * and parse; every step between is this one.
 */
function answerEvent<Body extends { readonly kind: 'push' | 'bm' }, Signed>(
  ctx: Context,
  hook: Webhook,
  dialect: Dialect<Body, Signed>,
  body: Body,
  deps: IngressDeps,
  later: Later,
): Promise<void> | void {
  const signed = dialect.signed(ctx, body);
  const signature = ctx.headers['x-goog-signature'];
  const given = Array.isArray(signature) ? signature.join(',') : signature;
  if (given === undefined || given === '') return reject(ctx, hook, 'missing_signature', deps, later, { claimedAgentId: dialect.claimedAgent(body, signed) });
  if (!dialect.verify(hook.keys, signed, given)) return reject(ctx, hook, 'bad_signature', deps, later, { claimedAgentId: dialect.claimedAgent(body, signed) });
  deps.telemetry.verified();

  const push = dialect.pushInfo(body, hook.path);
  const data = dialect.data(body, signed);
  if (typeof data === 'string') return refuseUnusable(ctx, hook, { reason: 'bad_data', message: data, bytes: dialect.bytes(signed), push }, deps, later);
  const parsed = dialect.event(data, push);
  const problem = agentProblem(hook, parsed);
  if (problem !== undefined) return refuseUnusable(ctx, hook, { ...problem, bytes: dialect.bytes(signed), push }, deps, later);
  const event = ownedEvent(hook, parsed, deps, later);
  if (deps.replayWindowMs !== undefined && (eventAgeMs(event, Date.now()) ?? 0) > deps.replayWindowMs) {
    return reject(ctx, hook, 'too_old', deps, later, { claimedAgentId: event.agentId.slice(0, 200) });
  }
  deps.telemetry.verifiedFor(event.agentId);
  // Queue mode: 200 only once the broker confirmed the write; workers run the plugins.
  if (deps.enqueue !== undefined) return answerQueued(ctx, deps.enqueue, event, data);
  return answerOutcome(ctx, event, deps);
}

async function answerQueued(ctx: Context, enqueue: Enqueue, event: RbmEvent, data: Record<string, unknown>): Promise<void> {
  await enqueue(event, data);
  ctx.body = { status: 'queued' };
}

async function answerOutcome(ctx: Context, event: RbmEvent, deps: IngressDeps): Promise<void> {
  const delivered = deps.dispatcher.deliver(deps.agents.runtime(event.agentId), event);
  // Serverless: no deadline, the answer waits for the plugins (each bound by handlerTimeoutMs).
  const outcome = deps.processBeforeResponse === true ? await delivered : await deps.deadlines.race(delivered, deps.ackDeadlineMs);
  if (outcome === TIMED_OUT) publishLateFailures(ctx.req, delivered);
  respondOutcome(ctx, outcome, deps);
}
