import type { Context } from 'koa';
import { HttpError } from '../errors.js';
import type { PushInfo, UndeliverableNotice, UndeliverableReason } from '../events/event-types.js';
import type { DeadLetterQueue, UndeliverablePush } from '../queue/queue.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import type { Webhook } from './webhook.js';

/** A verified push whose data cannot be used, and why. */
export interface Unusable {
  readonly reason: UndeliverableReason;
  /** What was wrong, and what was expected. */
  readonly message: string;
  /** The agent the data named, when it could be read (at most 200 characters). */
  readonly claimedAgentId?: string;
  /** The decoded data, its signature verified. */
  readonly bytes: Uint8Array;
  readonly push: PushInfo;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The dead letter of an unusable push: the verified data as text when it is UTF-8, else base64.
 *
 * @example
 * toUndeliverablePush(unusable, hook); // { reason: 'bad_data', message, push, text: 'not json' }
 */
export function toUndeliverablePush(unusable: Unusable, hook: Webhook): UndeliverablePush {
  let data: { text: string } | { base64: string };
  try {
    data = { text: utf8.decode(unusable.bytes) };
  } catch {
    data = { base64: Buffer.from(unusable.bytes).toString('base64') };
  }
  return {
    reason: unusable.reason,
    message: unusable.message,
    push: unusable.push,
    ...(hook.agentId === undefined ? {} : { webhookAgentId: hook.agentId }),
    ...(unusable.claimedAgentId === undefined ? {} : { claimedAgentId: unusable.claimedAgentId }),
    ...data,
  };
}

/**
 * Under `undeliverablePolicy: 'deadLetter'`: keeps a verified push whose data cannot be used in
 * the dead-letter store, counts it, tells the webhook owner's plugins (`undeliverable`; the
 * partner scope for the partner webhook) and answers 200 `{status: 'undeliverable', reason,
 * message, deadLetterId}`, so Google stops retrying what no retry can fix. When the store
 * cannot take it (the broker is down), answers 503 so Google retries later: never dropped silently.
 * Only ever called for pushes whose signature verified: an attacker cannot fill the store.
 *
 * @example
 * if (deps.deadLetters !== undefined) return answerUndeliverable(ctx, hook, unusable, deps.deadLetters, deps, later);
 */
export async function answerUndeliverable(ctx: Context, hook: Webhook, unusable: Unusable, store: DeadLetterQueue, deps: Pick<IngressDeps, 'telemetry' | 'log' | 'dispatcher' | 'agents'>, later: Later): Promise<void> {
  let deadLetterId: string | undefined;
  try {
    deadLetterId = await store.keep(toUndeliverablePush(unusable, hook));
  } catch (error) {
    deps.log.error({ err: error, webhook: hook.path, reason: unusable.reason }, 'keeping an undeliverable push as a dead letter failed: answering 503');
    throw new HttpError(
      503,
      'dead_letter_unavailable',
      `this push's data cannot be used (${unusable.reason}) and the dead-letter store did not confirm keeping it (${(error as Error).message}); expected a redelivery once it does`,
      { 'Retry-After': '30' },
    );
  }
  const { reason, message, claimedAgentId } = unusable;
  deps.telemetry.undeliverable(hook.path, reason);
  const notice: UndeliverableNotice = {
    type: 'undeliverable',
    reason,
    webhook: hook.path,
    message,
    ...(claimedAgentId === undefined ? {} : { claimedAgentId }),
    ...(deadLetterId === undefined ? {} : { deadLetterId }),
    pushId: unusable.push.pushId,
    receivedAt: unusable.push.receivedAt,
  };
  const whenNobodyListens = () =>
    deps.log.warn(
      { webhook: hook.path, reason, claimedAgentId, deadLetterId, pushId: unusable.push.pushId },
      deadLetterId === undefined
        ? `undeliverable push (${reason}): ${message}; too large for the in-memory dead-letter store, not kept`
        : `undeliverable push (${reason}) kept as dead letter ${deadLetterId}: ${message}`,
    );
  const owner = hook.agentId !== undefined ? deps.agents.runtime(hook.agentId) : deps.agents.partner();
  later(
    deps.dispatcher
      .notify(owner, notice, undefined, { pushId: unusable.push.pushId, eventId: '', attempt: 1, redelivery: false }, whenNobodyListens)
      .catch((error: unknown) => deps.log.error({ err: error }, 'delivering an undeliverable notice failed')),
  );
  ctx.status = 200;
  ctx.body = { status: 'undeliverable', reason, message, ...(deadLetterId === undefined ? {} : { deadLetterId }) };
}
