import type { Context } from 'koa';
import { HttpError } from '../errors.js';
import type { RejectReason, RejectedNotice } from '../events/event-types.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import { rejectionFor } from './rejections.js';
import { acknowledges, respondRejection } from './respond.js';
import { answerUndeliverable, type Unusable } from './undeliverable.js';
import type { Webhook } from './webhook.js';

/**
 * Refuses a request: counts it, tells the webhook owner's plugins (`rejected`), then answers
 * by policy. Only signature failures may be acknowledged with 200; a wrong handshake never is.
 *
 * @throws HttpError with the refusal's status, unless it is acknowledged.
 * @example
 * return reject(ctx, hook, 'bad_signature', deps, later, { claimedAgentId: 'shop@rbm.goog' });
 */
export function reject(
  ctx: Context,
  hook: Webhook,
  reason: RejectReason,
  deps: IngressDeps,
  later: Later,
  refusal: { readonly claimedAgentId?: string | undefined; readonly handshake?: boolean; readonly message?: string | undefined } = {},
): void {
  const { claimedAgentId, handshake = false } = refusal;
  const rejection = rejectionFor(hook.dialect, reason);
  const { status } = rejection;
  const message = refusal.message ?? rejection.message;
  const acknowledge = acknowledges(status, handshake, deps.signaturePolicy);
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
  respondRejection(ctx, reason, status, message, acknowledge);
}

/**
 * A verified push whose data cannot be used: by policy, answered 200 and kept as a dead letter
 * (`undeliverable`), else refused as before (400 `bad_data`, or a `rejected` 403/400).
 *
 * @example
 * if (problem !== undefined) return refuseUnusable(ctx, hook, { ...problem, bytes, push }, deps, later);
 */
export async function refuseUnusable(ctx: Context, hook: Webhook, unusable: Unusable, deps: IngressDeps, later: Later): Promise<void> {
  if (deps.deadLetters !== undefined) return answerUndeliverable(ctx, hook, unusable, deps.deadLetters, deps, later);
  if (unusable.reason === 'bad_data') throw new HttpError(400, 'bad_data', unusable.message);
  return reject(ctx, hook, unusable.reason, deps, later, { claimedAgentId: unusable.claimedAgentId, message: unusable.message });
}
