import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { isCampaignRecord, type CampaignQueueRecord, type CampaignWorker } from '../campaign/campaign-worker.js';
import type { Logger } from 'pino';
import type { AgentRegistry } from '../dispatch/agent-registry.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { DeliverOptions, Outcome } from '../dispatch/outcome.js';
import type { Telemetry } from '../ops/telemetry.js';
import type { Consumption, Queue, QueueDelivery } from './queue.js';
import { eventOf } from './queue-record.js';

/** How a worker retries a record whose plugins failed. */
export interface RetryPolicy {
  /** Attempts in all, the first included, before the record goes to the dead-letter queue. Default 5. */
  readonly attempts: number;
  /** The first back-off, doubled after each attempt. Default 1,000 ms. */
  readonly backoffMs: number;
  /** The longest back-off. Default 60,000 ms. */
  readonly maxBackoffMs: number;
}

/**
 * A retry policy with the defaults filled in: 5 attempts, 1 s first back-off, 60 s longest.
 *
 * @example
 * retryPolicy({ attempts: 3 }); // { attempts: 3, backoffMs: 1000, maxBackoffMs: 60000 }
 */
export function retryPolicy(given: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    attempts: given.attempts ?? CONFIG_DEFAULTS['queueRetry.attempts'],
    backoffMs: given.backoffMs ?? CONFIG_DEFAULTS['queueRetry.backoffMs'],
    maxBackoffMs: given.maxBackoffMs ?? CONFIG_DEFAULTS['queueRetry.maxBackoffMs'],
  };
}

export interface QueueWorkerDeps {
  readonly queue: Queue;
  readonly dispatcher: Dispatcher;
  readonly agents: AgentRegistry;
  readonly telemetry: Telemetry;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  /** Sends the recipients of queue-mode campaigns (their work items share the partitions). */
  readonly campaigns?: CampaignWorker;
}

/** Outcomes after which a record is done with: acked. */
const FINAL: ReadonlySet<Outcome['status']> = new Set(['handled', 'duplicate', 'failedPermanently']);

/**
 * Runs queued events through the bot's own Dispatcher: the same plugins, the same `ctx`, the
 * same dedupe store. A record whose plugins failed is kept (its partition, and so its
 * conversation, waits behind it) and retried with exponential back-off; after its last attempt
 * it goes to the dead-letter queue. A busy or unavailable dedupe store is waited out, never
 * counted as an attempt. Made by `bot.work()`.
 *
 * @example
 * const worker = new QueueWorker({ queue, dispatcher, agents, telemetry, log, retry: { attempts: 5, backoffMs: 1_000, maxBackoffMs: 60_000 } });
 * await worker.start();
 * await worker.stop(); // finishes or gives back the records in hand
 */
export class QueueWorker {
  private consumption: Consumption | undefined;
  private stopping = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly deps: QueueWorkerDeps) {}

  /** Starts consuming every partition. */
  async start(): Promise<void> {
    this.consumption = await this.deps.queue.consume((delivery) => this.handle(delivery));
  }

  /** Stops taking records; a record in back-off is given back, one being handled finishes. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.consumption?.stop();
  }

  private async handle(delivery: QueueDelivery): Promise<void> {
    const { dispatcher, agents, telemetry, log, retry, campaigns } = this.deps;
    let campaignItem: boolean;
    try {
      campaignItem = isCampaignRecord(delivery.record);
    } catch (error) {
      // Redelivering it would only block its partition: kept for a human instead.
      return delivery.deadLetter((error as Error).message);
    }
    if (campaignItem) {
      if (campaigns !== undefined) return campaigns.handle(delivery as QueueDelivery & { record: CampaignQueueRecord }, (ms) => this.pause(ms), () => this.stopping);
      return delivery.deadLetter('a campaign work item, and this worker sends no campaigns');
    }
    const event = eventOf(delivery.record);
    telemetry.queue('depth', delivery.pending, delivery.partition);
    telemetry.queue('lag', Math.max(0, Date.now() - delivery.record.publishedAt) / 1000);
    // A redelivery means the broker gave up on the record's last holder (crashed, frozen or
    // cut off): its dedupe lease is taken over at once instead of waited out.
    const options: DeliverOptions = { takeover: delivery.deliveries > 1, current: delivery.current };
    let failures = 0;
    let waits = 0;
    for (;;) {
      const outcome = await dispatcher.deliver(agents.runtime(event.agentId), event, options);
      if (outcome.status === 'lost' || !delivery.current()) {
        // Another worker has it now: acking or giving it back would touch that worker's delivery.
        log.warn({ agentId: event.agentId, eventId: event.id, partition: delivery.partition }, 'lost the record to another worker mid-way (frozen or cut off past its hold): left to it');
        return;
      }
      if (FINAL.has(outcome.status)) return delivery.ack();
      if (outcome.status === 'failed') {
        // Attempts as the shared store counted them survive a crash of the worker counting here.
        failures = Math.max(failures + 1, outcome.attempt ?? 0);
        if (failures >= retry.attempts) {
          const reason = `plugins ${outcome.plugins.join(', ')} failed ${failures} attempts`;
          await delivery.deadLetter(reason);
          telemetry.queue('deadLetter');
          log.error({ agentId: event.agentId, eventId: event.id, plugins: outcome.plugins }, `${reason}: moved to the dead-letter queue`);
          return;
        }
        telemetry.queue('retry');
      } else {
        waits += 1;
      }
      if (this.stopping) return delivery.release();
      const step = failures + Math.min(waits, 4) - 1;
      await this.pause(Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, step)));
      if (this.stopping) return delivery.release();
    }
  }

  /** Waits `ms`, or less when the worker stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
