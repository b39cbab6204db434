import { isUtf8 } from 'node:buffer';
import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type {} from 'koa-bodyparser';
import { decodeBase64 } from './base64.js';
import { TIMED_OUT } from '../dispatch/deadline.js';
import type { Outcome } from '../dispatch/outcome.js';
import type { PluginError } from '../dispatch/run-handlers.js';
import { parseWebhookBody, type Handshake, type PushEnvelope } from './envelope.js';
import { HttpError } from '../errors.js';
import { isJsonObject } from '../events/json-value.js';
import type { PushInfo, RbmEvent, RejectReason, RejectedNotice } from '../events/event-types.js';
import { eventAgeMs } from '../events/event-age.js';
import { parseEvent } from '../events/parse-event.js';
import { parseBmEvent } from '../events/parse-bm-event.js';
import { parseBmBody, type BmBody } from './bm-body.js';
import { safeEqual } from './safe-equal.js';
import { verifySignature } from './signature.js';
import type { Enqueue } from '../queue/enqueue.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import { noteMisrouted } from './misrouted.js';
import { answerUndeliverable, type Unusable } from './undeliverable.js';
import type { Webhook } from './webhook.js';

/** The default: work started by a request runs on after its answer. */
const runOn: Later = () => undefined;

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


const REJECTIONS: Record<RejectReason, { status: number; message: string }> = {
  missing_signature: {
    status: 401,
    message: 'expected an X-Goog-Signature header: base64 HMAC-SHA512 of the decoded message.data, keyed with this webhook\'s clientToken',
  },
  bad_signature: {
    status: 401,
    message: 'X-Goog-Signature does not match message.data for any clientToken of this webhook; expected base64 HMAC-SHA512 of the decoded data',
  },
  bad_client_token: { status: 401, message: 'expected the clientToken configured for this webhook' },
  agent_mismatch: { status: 403, message: 'the signed data names another agent; expected pushes for this webhook\'s own agent only' },
  missing_agent_id: { status: 400, message: 'expected the signed data to name its "agentId"' },
  too_old: { status: 200, message: 'published longer ago than replayWindowMs; dropped' },
};

/**
 * The Koa handler of one webhook (after body parsing): answers the handshake, verifies and
 * decodes pushes, routes each event to its agent and answers by the outcome.
 *
 * @example
 * router.post(hook.path, jsonErrors(log), bodyParser(), webhookHandler(hook, deps));
 */
export function webhookHandler(hook: Webhook, deps: IngressDeps): (ctx: Context) => Promise<void> | void {
  // Not async, nor is answerPush: while the plugins run, no suspended frame keeps the body,
  // its decoded bytes and data alive (a push in flight holds only what its event needs).
  // A throw here is a rejection for the caller, as from an async function.
  const handle = (ctx: Context, later: Later): Promise<void> | void => {
    deps.telemetry.received(hook.path);
    if (hook.dialect === 'business-messages') {
      const bm = parseBmBody(ctx.request.body);
      if (bm.kind === 'handshake') return answerHandshake(ctx, hook, bm, deps, later);
      return answerBmEvent(ctx, hook, bm, deps, later);
    }
    // The text koa-bodyparser kept is for Business Messages' signature only.
    ctx.request.rawBody = undefined as unknown as string;
    const body = parseWebhookBody(ctx.request.body);
    if (body.kind === 'handshake') return answerHandshake(ctx, hook, body, deps, later);
    return answerPush(ctx, hook, body, deps, later);
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

function answerPush(ctx: Context, hook: Webhook, push: PushEnvelope, deps: IngressDeps, later: Later): Promise<void> | void {
  const bytes = decodeBase64(push.data);
  if (bytes === undefined || bytes.length === 0) {
    throw new HttpError(400, 'bad_base64', 'expected message.data to be non-empty standard base64');
  }
  const signature = ctx.headers['x-goog-signature'];
  const given = Array.isArray(signature) ? signature.join(',') : signature;
  if (given === undefined || given === '') return reject(ctx, hook, 'missing_signature', deps, later, { claimedAgentId: claimedAgent(bytes) });
  if (!verifySignature(hook.keys, bytes, given)) return reject(ctx, hook, 'bad_signature', deps, later, { claimedAgentId: claimedAgent(bytes) });
  deps.telemetry.verified();

  const pushInfo: PushInfo = {
    pushId: push.messageId,
    publishTime: push.publishTime,
    subscription: push.subscription,
    attributes: push.attributes,
    webhook: hook.path,
    receivedAt: Date.now(),
  };
  const data = decodeJsonObject(bytes);
  if (typeof data === 'string') return refuseUnusable(ctx, hook, { reason: 'bad_data', message: data, bytes, push: pushInfo }, deps, later);
  const parsed = parseEvent(data, pushInfo);
  const problem = agentProblem(hook, parsed);
  if (problem !== undefined) return refuseUnusable(ctx, hook, { ...problem, bytes, push: pushInfo }, deps, later);
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

/**
 * A Business Messages event: the signature covers the raw body bytes, exactly as
 * they arrived. koa-bodyparser kept them as `rawBody` (the text it parsed), so nothing is read
 * twice and the RBM path does no extra work; that text re-encoded as UTF-8 is the wire bytes.
 */
async function answerBmEvent(ctx: Context, hook: Webhook, body: BmBody, deps: IngressDeps, later: Later): Promise<void> {
  const claimed = typeof body.data.agent === 'string' ? body.data.agent.slice(0, 200) : undefined;
  const signature = ctx.headers['x-goog-signature'];
  const given = Array.isArray(signature) ? signature.join(',') : signature;
  if (given === undefined || given === '') return reject(ctx, hook, 'missing_signature', deps, later, { claimedAgentId: claimed });
  const raw = ctx.request.rawBody;
  if (typeof raw !== 'string' || !verifySignature(hook.keys, Buffer.from(raw, 'utf8'), given)) return reject(ctx, hook, 'bad_signature', deps, later, { claimedAgentId: claimed });
  deps.telemetry.verified();
  const pushInfo: PushInfo = { attributes: NO_ATTRIBUTES, webhook: hook.path, receivedAt: Date.now() };
  const parsed = parseBmEvent(body.data, pushInfo);
  if (parsed === undefined) throw new HttpError(400, 'bad_event', 'expected "conversationId" to be a non-empty string');
  const problem = agentProblem(hook, parsed);
  if (problem !== undefined) return refuseUnusable(ctx, hook, { ...problem, bytes: Buffer.from(raw, 'utf8'), push: pushInfo }, deps, later);
  const event = ownedEvent(hook, parsed, deps, later);
  if (deps.replayWindowMs !== undefined && (eventAgeMs(event, Date.now()) ?? 0) > deps.replayWindowMs) {
    return reject(ctx, hook, 'too_old', deps, later, { claimedAgentId: event.agentId.slice(0, 200) });
  }
  deps.telemetry.verifiedFor(event.agentId);
  // Queue mode: the verified body is the event's data, as message.data is for RBM; a worker
  // rebuilds the event from it and replies through this webhook's client.
  if (deps.enqueue !== undefined) return answerQueued(ctx, deps.enqueue, event, body.data);
  await answerOutcome(ctx, event, deps);
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** What Koa writes for an object body: `mime-types.contentType('json')`. */
const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * The answers of the common outcomes, serialized once. Koa takes a string body with its type
 * already set the short way: no type lookups, no stream, Blob or Response checks, no
 * JSON.stringify per push.
 */
const SETTLED_ANSWERS = { handled: JSON.stringify({ status: 'handled' }), duplicate: JSON.stringify({ status: 'duplicate' }) } as const;

async function answerOutcome(ctx: Context, event: RbmEvent, deps: IngressDeps): Promise<void> {
  const delivered = deps.dispatcher.deliver(deps.agents.runtime(event.agentId), event);
  // Serverless: no deadline, the answer waits for the plugins (each bound by handlerTimeoutMs).
  const outcome = deps.processBeforeResponse === true ? await delivered : await deps.deadlines.race(delivered, deps.ackDeadlineMs);
  if (outcome === TIMED_OUT) {
    if (pushFailures.hasSubscribers) void delivered.then((late) => publishFailures(ctx.req, late, true), () => undefined);
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

/** Tells the listeners of {@link PUSH_FAILURES_CHANNEL}, if any, what the plugins of a push threw. */
function publishFailures(request: IncomingMessage, outcome: Outcome, late: boolean): void {
  if (!pushFailures.hasSubscribers || (outcome.status !== 'failed' && outcome.status !== 'failedPermanently')) return;
  const message: PushFailures = { request, errors: outcome.errors, late };
  pushFailures.publish(message);
}

/** The decoded data as a JSON object, or what is wrong with it. */
function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> | string {
  // Checked by simdutf, then decoded by V8's own fast path: cheaper than a fatal TextDecoder.
  // A leading byte order mark is skipped, as TextDecoder does.
  if (!isUtf8(bytes)) return 'expected message.data to decode to UTF-8 JSON; it is not valid UTF-8';
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'expected message.data to decode to a JSON object; it is not JSON';
  }
  if (!isJsonObject(data)) return 'expected message.data to decode to a JSON object; it is JSON but not an object';
  return data;
}

/**
 * What is wrong with the agent a verified event names, for the webhook it came to: another
 * agent than an agent webhook's own, or none at a partner webhook. Undefined when nothing is.
 *
 * @example
 * agentProblem(shopHook, eventFor('other@rbm.goog')); // { reason: 'agent_mismatch', claimedAgentId: 'other@rbm.goog', message }
 */
function agentProblem(hook: Webhook, event: RbmEvent): Pick<Unusable, 'reason' | 'message' | 'claimedAgentId'> | undefined {
  if (hook.agentId !== undefined) {
    if (event.agentId === '' || event.agentId === hook.agentId) return undefined;
    const claimed = event.agentId.slice(0, 200);
    const message = `the signed data names agent ${JSON.stringify(claimed)}; expected pushes for this webhook's own agent ${JSON.stringify(hook.agentId)} only (pushes for ${JSON.stringify(claimed)} belong at its own webhook or the partner webhook)`;
    return { reason: 'agent_mismatch', message, claimedAgentId: claimed };
  }
  if (event.agentId === '') return { reason: 'missing_agent_id', message: rejectionFor(hook, 'missing_agent_id').message };
  return undefined;
}

/**
 * A verified event with no agent problem, as its agent's: an agent webhook fills in its agent
 * when the data named none; at a partner webhook, a push for an agent with a webhook of its own
 * is misrouted (counted, warned once, notified; a 403 under `strictWebhooks`).
 */
function ownedEvent(hook: Webhook, event: RbmEvent, deps: IngressDeps, later: Later): RbmEvent {
  if (hook.agentId !== undefined) return event.agentId === '' ? { ...event, agentId: hook.agentId } : event;
  // The one lookup misrouting costs: does this agent have a webhook of its own?
  const own = deps.agentWebhook(event.agentId);
  if (own !== undefined) noteMisrouted(hook, own, event, deps, later);
  return event;
}

/** The answer a refusal gets at this webhook: Business Messages words where they differ. */
function rejectionFor(hook: Webhook, reason: RejectReason): { status: number; message: string } {
  return (hook.dialect === 'business-messages' ? BM_REJECTIONS[reason] : undefined) ?? REJECTIONS[reason];
}

/**
 * A verified push whose data cannot be used: by policy, answered 200 and kept as a dead letter
 * (`undeliverable`), else refused as before (400 `bad_data`, or a `rejected` 403/400).
 */
async function refuseUnusable(ctx: Context, hook: Webhook, unusable: Unusable, deps: IngressDeps, later: Later): Promise<void> {
  if (deps.deadLetters !== undefined) return answerUndeliverable(ctx, hook, unusable, deps.deadLetters, deps, later);
  if (unusable.reason === 'bad_data') throw new HttpError(400, 'bad_data', unusable.message);
  return reject(ctx, hook, unusable.reason, deps, later, { claimedAgentId: unusable.claimedAgentId, message: unusable.message });
}

/** Past this, forged data is not parsed for the agent it claims: a forger's megabyte is not worth a second copy. */
const CLAIM_PARSE_LIMIT = 64 * 1024;

/** The agentId unverified data claims, for the notice only: the one decode of data whose signature failed. */
function claimedAgent(bytes: Uint8Array): string | undefined {
  if (bytes.length > CLAIM_PARSE_LIMIT) return undefined;
  try {
    const agentId = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { agentId?: unknown }).agentId;
    return typeof agentId === 'string' ? agentId.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** What a Business Messages webhook says instead, where the dialects differ. */
const BM_REJECTIONS: Partial<Record<RejectReason, { status: number; message: string }>> = {
  missing_signature: {
    status: 401,
    message: 'expected an X-Goog-Signature header: base64 HMAC-SHA512 of the raw request body, keyed with this webhook\'s clientToken (or the partner key)',
  },
  bad_signature: {
    status: 401,
    message: 'X-Goog-Signature does not match the raw request body for any clientToken of this webhook; expected base64 HMAC-SHA512 of the exact body bytes',
  },
  agent_mismatch: { status: 403, message: 'the signed body names another agent; expected events for this webhook\'s own agent only' },
  missing_agent_id: { status: 400, message: 'expected the signed body to name its "agent" (brands/B/agents/A)' },
};

/**
 * Refuses a request: counts it, tells the webhook owner's plugins (`rejected`), then answers
 * by policy. Only signature failures may be acknowledged with 200; a wrong handshake never is.
 */
function reject(
  ctx: Context,
  hook: Webhook,
  reason: RejectReason,
  deps: IngressDeps,
  later: Later,
  refusal: { readonly claimedAgentId?: string | undefined; readonly handshake?: boolean; readonly message?: string | undefined } = {},
): void {
  const { claimedAgentId, handshake = false } = refusal;
  const rejection = rejectionFor(hook, reason);
  const { status } = rejection;
  const message = refusal.message ?? rejection.message;
  const acknowledge = !handshake && (status === 200 || (status === 401 && deps.signaturePolicy === 'acknowledge'));
  const notice: RejectedNotice = {
    type: 'rejected',
    reason,
    webhook: hook.path,
    status: acknowledge ? 200 : status,
    claimedAgentId,
    receivedAt: Date.now(),
  };
  deps.telemetry.rejected(hook.path, reason);
  const owner = hook.agentId !== undefined ? deps.agents.runtime(hook.agentId) : deps.agents.partner();
  later(
    deps.dispatcher
      .notify(owner, notice, undefined, { eventId: '', attempt: 1, redelivery: false }, () =>
        deps.log.warn({ webhook: hook.path, reason, status: notice.status }, 'request rejected'),
      )
      .catch((error: unknown) => deps.log.error({ err: error }, 'delivering a rejected notice failed')),
  );
  if (!acknowledge) throw new HttpError(status, reason, message);
  ctx.status = 200;
  ctx.body = { status: 'dropped', reason };
}
