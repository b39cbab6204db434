import type { RbmEvent } from '../events/event-types.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import { noteMisrouted } from './misrouted.js';
import { rejectionFor } from './rejections.js';
import type { Unusable } from './undeliverable.js';
import type { Webhook } from './webhook.js';

/**
 * What is wrong with the agent a verified event names, for the webhook it came to: another
 * agent than an agent webhook's own, or none at a partner webhook. Undefined when nothing is.
 *
 * @example
 * agentProblem(shopHook, eventFor('other@rbm.goog')); // { reason: 'agent_mismatch', claimedAgentId: 'other@rbm.goog', message }
 */
export function agentProblem(hook: Webhook, event: RbmEvent): Pick<Unusable, 'reason' | 'message' | 'claimedAgentId'> | undefined {
  if (hook.agentId !== undefined) {
    if (event.agentId === '' || event.agentId === hook.agentId) return undefined;
    const claimed = event.agentId.slice(0, 200);
    const message = `the signed data names agent ${JSON.stringify(claimed)}; expected pushes for this webhook's own agent ${JSON.stringify(hook.agentId)} only (pushes for ${JSON.stringify(claimed)} belong at its own webhook or the partner webhook)`;
    return { reason: 'agent_mismatch', message, claimedAgentId: claimed };
  }
  if (event.agentId === '') return { reason: 'missing_agent_id', message: rejectionFor(hook.dialect, 'missing_agent_id').message };
  return undefined;
}

/**
 * A verified event with no agent problem, as its agent's: an agent webhook fills in its agent
 * when the data named none; at a partner webhook, a push for an agent with a webhook of its own
 * is misrouted (counted, warned once, notified; a 403 under `strictWebhooks`).
 *
 * @throws HttpError 403 misrouted under `strictWebhooks`.
 * @example
 * const event = ownedEvent(shopHook, parsed, deps, later); // parsed, with agentId 'shop@rbm.goog' when it named none
 */
export function ownedEvent(hook: Webhook, event: RbmEvent, deps: IngressDeps, later: Later): RbmEvent {
  if (hook.agentId !== undefined) return event.agentId === '' ? { ...event, agentId: hook.agentId } : event;
  // The one lookup misrouting costs: does this agent have a webhook of its own?
  const own = deps.agentWebhook(event.agentId);
  if (own !== undefined) noteMisrouted(hook, own, event, deps, later);
  return event;
}
