import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import type { Logger } from 'pino';
import type { ParsedBotConfig } from '../config/config-schema.js';
import type { AgentRegistry } from '../dispatch/agent-registry.js';
import { SharedDeadlines } from '../dispatch/deadline.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Telemetry } from '../ops/telemetry.js';
import { enqueuer, type Enqueue } from '../queue/enqueue.js';
import type { DeadLetterQueue } from '../queue/queue.js';
import type { WebhookTable } from './webhook-table.js';
import type { AgentWebhook } from './webhook.js';

export interface IngressDeps {
  readonly agents: AgentRegistry;
  readonly dispatcher: Dispatcher;
  /** Counts requests, verifications, rejections and handshakes (stats and metrics both). */
  readonly telemetry: Telemetry;
  readonly log: Logger;
  readonly signaturePolicy: 'reject' | 'acknowledge';
  readonly ackDeadlineMs: number;
  /** The ack deadlines of every push in flight, on one timer. */
  readonly deadlines: SharedDeadlines;
  /** Dev and tests only: answers of failed pushes carry which plugin failed and its error message. */
  readonly exposeErrors?: boolean;
  /** Queue mode: publishes a verified event (confirmed) instead of dispatching it; throws a 503 HttpError when it cannot. */
  readonly enqueue?: Enqueue;
  /** Opt-in: pushes older than this (ms) are answered 200, dropped and counted (`too_old`). */
  readonly replayWindowMs?: number;
  /** The agent's own webhook, when it has one (one map lookup): a push for it at the partner webhook is misrouted. */
  readonly agentWebhook: (agentId: string) => AgentWebhook | undefined;
  /** Misrouted pushes are refused with 403 rather than handled. */
  readonly strictWebhooks: boolean;
  /** `undeliverablePolicy: 'deadLetter'`: where verified pushes with unusable data are kept; undefined rejects them (400/403). */
  readonly deadLetters?: DeadLetterQueue;
  /** Serverless: answer once the plugins and every notice of the request are done; no ack deadline. */
  readonly processBeforeResponse?: boolean;
}

/**
 * Takes work a request started and does not wait for (a notice to the plugins). In direct mode
 * it runs on after the answer; under `processBeforeResponse` the answer waits for it. The work
 * given must never reject (its failure is logged where it is made).
 */
export type Later = (work: Promise<unknown>) => void;



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
  const ackDeadlineMs = config.ackDeadlineMs ?? CONFIG_DEFAULTS.ackDeadlineMs;
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
