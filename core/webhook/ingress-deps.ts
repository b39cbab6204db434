import type { Logger } from 'pino';
import type { ParsedBotConfig } from '../config/config-schema.js';
import type { AgentRegistry } from '../dispatch/agent-registry.js';
import { SharedDeadlines } from '../dispatch/deadline.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Telemetry } from '../ops/telemetry.js';
import { enqueuer } from '../queue/enqueue.js';
import type { DeadLetterQueue } from '../queue/queue.js';
import type { IngressDeps } from './ingress.js';
import type { WebhookTable } from './webhook-table.js';

/**
 * What the webhooks of a bot need, from its config (defaults applied) and its parts: in queue
 * mode an enqueuer, in direct mode the dispatcher, with the ack deadlines on one timer.
 *
 * @example
 * const deps = ingressDeps(config, { agents: registry, dispatcher, telemetry, log, webhooks: table, deadLetters });
 */
export function ingressDeps(
  config: ParsedBotConfig,
  parts: {
    readonly agents: AgentRegistry;
    readonly dispatcher: Dispatcher;
    readonly telemetry: Telemetry;
    readonly log: Logger;
    readonly webhooks: Pick<WebhookTable, 'agentWebhook'>;
    /** Where undeliverable pushes are kept under `undeliverablePolicy: 'deadLetter'`. */
    readonly deadLetters: DeadLetterQueue;
  },
): IngressDeps {
  const { webhooks, deadLetters, ...rest } = parts;
  const ackDeadlineMs = config.ackDeadlineMs ?? 8_000;
  return {
    ...rest,
    signaturePolicy: config.signaturePolicy ?? 'reject',
    ackDeadlineMs,
    deadlines: new SharedDeadlines(Math.min(25, Math.ceil(ackDeadlineMs / 4))),
    exposeErrors: config.exposeErrors === true,
    enqueue: config.queue === undefined ? undefined : enqueuer(config.queue, parts.telemetry, parts.log),
    replayWindowMs: config.replayWindowMs,
    agentWebhook: (agentId) => webhooks.agentWebhook(agentId),
    strictWebhooks: config.strictWebhooks === true,
    deadLetters: config.undeliverablePolicy === 'deadLetter' ? deadLetters : undefined,
    processBeforeResponse: config.processBeforeResponse === true,
  };
}
