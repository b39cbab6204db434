import type { Logger } from 'pino';
import type { RbmClient } from '../client/rbm-client.js';
import { maskPhone } from '../client/phone.js';
import { isJsonObject } from '../events/json-value.js';
import type { Queue, QueueDelivery, QueueRecord } from '../queue/queue.js';
import type { SessionStore } from '../stores/session-store.js';
import type { FallbackRequest, Recipient } from './campaign-types.js';
import type { AgentOptOuts } from './opt-outs.js';
import { campaignKeys, sendToRecipient, type CampaignSpec } from './recipient-step.js';
import { sendWindow } from './send-window.js';

/** A campaign's work item on the broker: one RBM-capable recipient for a worker to send to. */
export interface CampaignQueueRecord extends QueueRecord {
  readonly kind: 'campaign';
  readonly data: { readonly campaignId: string; readonly phone: string; readonly vars: Readonly<Record<string, string>> };
}

/**
 * The work item of one recipient, as a queue-mode campaign publishes it.
 *
 * @example
 * await queue.publish(campaignRecord('shop@rbm.goog', 'spring-sale', recipient), `shop@rbm.goog\u0000${recipient.phone}`);
 */
export function campaignRecord(agentId: string, campaignId: string, recipient: Recipient): CampaignQueueRecord {
  const now = Date.now();
  return {
    v: 1,
    kind: 'campaign',
    agentId,
    data: { campaignId, phone: recipient.phone, vars: recipient.vars ?? {} },
    push: { attributes: {}, webhook: '', receivedAt: now },
    publishedAt: now,
  };
}

/**
 * Publishes one recipient's work item to its conversation's partition, confirmed. `publishId`
 * tells this publish apart from an earlier one of the same number (a later run, a republish),
 * which the broker would otherwise drop as a copy.
 *
 * @example
 * await publishCampaignItem(queue, 'shop@rbm.goog', 'spring-sale', recipient, `${runId}:1`);
 */
export function publishCampaignItem(queue: Pick<Queue, 'publish'>, agentId: string, campaignId: string, recipient: Recipient, publishId: string): Promise<void> {
  return queue.publish(campaignRecord(agentId, campaignId, recipient), `${agentId}\u0000${recipient.phone}`, `campaign:${agentId}:${campaignId}:${recipient.phone}:${publishId}`);
}

/**
 * True for a campaign's work item; throws naming what is wrong with one that says it is and is not.
 *
 * @example
 * if (isCampaignRecord(delivery.record)) await campaigns.handle(delivery, …);
 */
export function isCampaignRecord(record: QueueRecord): record is CampaignQueueRecord {
  if ((record as { kind?: unknown }).kind !== 'campaign') return false;
  const data = record.data;
  if (typeof data.campaignId !== 'string' || typeof data.phone !== 'string' || !isJsonObject(data.vars)) {
    throw new Error('expected a campaign work item {"kind":"campaign","data":{"campaignId","phone","vars"}}');
  }
  return true;
}

export interface CampaignWorkerDeps {
  readonly store: SessionStore;
  readonly clientOf: (agentId: string) => RbmClient;
  readonly optOutsOf: (agentId: string) => AgentOptOuts;
  /** Where numbers answered 404 go (the bot's `campaignFallback`); without it they are listed unreachable. */
  readonly fallback?: ((request: FallbackRequest) => Promise<unknown> | unknown) | undefined;
  readonly log: Logger;
}

/** How long a campaign's spec is kept in memory, in ms: it does not change during a run. */
const SPEC_CACHE_MS = 5_000;

/**
 * Sends the recipients of queue-mode campaigns, in `bot.work()` processes: reads the campaign
 * from the store, skips an item whose campaign is paused, stopped or outside its window (the
 * coordinator publishes it again when it goes on) or whose recipient has an outcome already (a
 * redelivery), and otherwise sends, records and acks. A store failure is retried with back-off,
 * the item kept: a crash loses nothing, and a resend goes under the same messageId.
 *
 * @example
 * const campaigns = new CampaignWorker({ store, clientOf, optOutsOf, log });
 * await campaigns.handle(delivery, (ms) => sleep(ms), () => stopping);
 */
export class CampaignWorker {
  private readonly specs = new Map<string, CampaignSpec & { until: number }>();

  constructor(private readonly deps: CampaignWorkerDeps) {}

  async handle(delivery: QueueDelivery & { readonly record: CampaignQueueRecord }, pause: (ms: number) => Promise<void>, stopping: () => boolean): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.work(delivery);
        if (delivery.current()) await delivery.ack();
        return;
      } catch (error) {
        const { campaignId, phone } = delivery.record.data;
        this.deps.log.warn({ err: error, campaignId, phone: maskPhone(phone) }, 'a campaign send could not be recorded; trying again');
        if (stopping()) return delivery.release();
        await pause(Math.min(30_000, 500 * 2 ** attempt));
        if (!delivery.current() || stopping()) return stopping() ? delivery.release() : undefined;
      }
    }
  }

  private async work(delivery: QueueDelivery & { readonly record: CampaignQueueRecord }): Promise<void> {
    const { campaignId, phone, vars } = delivery.record.data;
    const agentId = delivery.record.agentId;
    const { store, log } = this.deps;
    const spec = await this.spec(agentId, campaignId);
    if (spec === undefined) {
      log.warn({ campaignId }, `a work item of campaign ${campaignId}, which the store does not know (expired?): skipped`);
      return;
    }
    // Paused, stopped or out of its window: not sent; the coordinator publishes it again.
    if ((await store.get(campaignKeys.control(agentId, campaignId))) !== undefined) return;
    if (spec.window !== undefined && sendWindow(spec.window).msUntilOpen(Date.now()) > 0) return;
    // A redelivery of a recipient done already.
    if ((await store.get(campaignKeys.recipient(agentId, campaignId, phone))) !== undefined) return;
    if (!delivery.current()) return;
    const deps = { client: this.deps.clientOf(spec.agentId), store, optOuts: this.deps.optOutsOf(spec.agentId), log, fallback: this.deps.fallback, now: Date.now };
    await sendToRecipient(spec, { phone, vars }, deps);
  }

  private async spec(agentId: string, campaignId: string): Promise<CampaignSpec | undefined> {
    const key = campaignKeys.spec(agentId, campaignId);
    const cached = this.specs.get(key);
    if (cached !== undefined && cached.until > Date.now()) return cached;
    const spec = (await this.deps.store.get(key)) as CampaignSpec | undefined;
    // A missing spec is looked up again next time: the coordinator writes it at each round.
    if (spec === undefined) return undefined;
    if (this.specs.size > 1_000) this.specs.clear();
    this.specs.set(key, { ...spec, until: Date.now() + SPEC_CACHE_MS });
    return spec;
  }
}
