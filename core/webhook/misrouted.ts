import { HttpError } from '../errors.js';
import type { MisroutedNotice, RbmEvent } from '../events/event-types.js';
import type { IngressDeps, Later } from './ingress-deps.js';
import type { Webhook } from './webhook.js';
import type { AgentWebhook } from './webhook.js';

/**
 * A verified push at the partner webhook for an agent that has its own webhook (Google sends
 * this agent's pushes to the partner webhook, signed with the partner token: Google and the
 * config disagree, e.g. mid-migration). Counts it, warns once per agent (the mark lives on the
 * agent's webhook entry, so it is bounded and starts afresh when that webhook changes), and
 * tells the agent's plugins (`misrouted`). Returns so the push is handled as usual; under
 * `strictWebhooks` throws a 403 `misrouted` instead, and no event handler runs.
 *
 * @example
 * const own = deps.agentWebhook(event.agentId);
 * if (own !== undefined) noteMisrouted(hook, own, event, deps, later); // throws under strictWebhooks
 */
export function noteMisrouted(hook: Webhook, own: AgentWebhook, event: RbmEvent, deps: Pick<IngressDeps, 'strictWebhooks' | 'telemetry' | 'log' | 'dispatcher' | 'agents'>, later: Later): void {
  const agentId = event.agentId;
  const status = deps.strictWebhooks ? 403 : 200;
  deps.telemetry.misrouted(agentId);
  if (!own.misroutedWarned) {
    own.misroutedWarned = true;
    deps.log.warn(
      { agentId, webhook: hook.path, expectedWebhook: own.path, status },
      `a push for ${agentId} came to the partner webhook ${hook.path}; expected it at its own webhook ${own.path} ` +
        `(the webhook configured at Google and this config disagree): ${status === 403 ? 'refused with 403 (strictWebhooks)' : 'handled anyway'}. ` +
        'Warned once per agent; every such push is counted in rbmkit_pushes_misrouted_total',
    );
  }
  const notice: MisroutedNotice = { type: 'misrouted', agentId, webhook: hook.path, expectedWebhook: own.path, status, event };
  later(
    deps.dispatcher
      .notify(deps.agents.runtime(agentId), notice, event, { pushId: event.push.pushId, eventId: event.id, attempt: 1, redelivery: false })
      .catch((error: unknown) => deps.log.error({ err: error, agentId }, 'delivering a misrouted notice failed')),
  );
  if (status === 403) {
    throw new HttpError(
      403,
      'misrouted',
      `the signed data names agent ${JSON.stringify(agentId)}, which has its own webhook; expected pushes for ${JSON.stringify(agentId)} at ${own.path}, not at the partner webhook ${hook.path} (strictWebhooks is on)`,
    );
  }
}
