import type { Logger } from 'pino';
import { v5 as uuidV5 } from 'uuid';
import type { AgentMessage } from '../client/agent-message.js';
import { maskPhone } from '../client/phone.js';
import { UserNotReachableError } from '../client/rbm-api-errors.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import type { FallbackRequest, Recipient, RecipientOutcome, RecipientReport, UnreachableReason } from './campaign-types.js';
import { renderMessage } from './message-template.js';
import type { AgentOptOuts } from './opt-outs.js';
import type { SendWindow } from './send-window.js';

/** The namespace of every campaign messageId (UUID v5 of campaign id and number). */
const MESSAGE_ID_NAMESPACE = '5b0f1c1e-7a52-4d1e-9a3b-6e1f2c0d4a71';
export const DAY_MS = 24 * 3_600_000;

/**
 * The messageId of an agent's campaign message to one number: the same in every run and on
 * every worker, so a resend after a crash is dropped by Google as a copy.
 *
 * @example
 * campaignMessageId('shop@rbm.goog', 'spring-sale', '+15555550100'); // a UUID, always the same for these
 */
export function campaignMessageId(agentId: string, campaignId: string, phone: string): string {
  return uuidV5(`${agentId}\n${campaignId}\n${phone}`, MESSAGE_ID_NAMESPACE);
}

/**
 * Where an agent's campaign keeps what it did, its spec for queue workers, and pause or stop:
 * the store key of each. Campaign ids are the agent's own: two agents may both run "promo".
 */
export const campaignKeys = {
  recipient: (agentId: string, campaignId: string, phone: string) => `rbmkit:campaign:${agentId}:${campaignId}:r:${phone}`,
  control: (agentId: string, campaignId: string) => `rbmkit:campaign:${agentId}:${campaignId}:control`,
  spec: (agentId: string, campaignId: string) => `rbmkit:campaign:${agentId}:${campaignId}:spec`,
} as const;

/** A pause or stop asked for through the store (by `rbmkit campaign pause|stop`, or another process). */
export type CampaignControl = 'pause' | 'stop';

/** What a recipient's send needs of its campaign: in the store for queue workers, as JSON. */
export interface CampaignSpec {
  readonly id: string;
  readonly agentId: string;
  readonly message: AgentMessage;
  readonly window?: SendWindow;
  /** How long records are kept, in ms. */
  readonly keepMs: number;
}

/** What one recipient's step runs on. */
export interface StepDeps {
  readonly client: RbmClient;
  readonly store: SessionStore;
  readonly optOuts: AgentOptOuts;
  readonly log: Logger;
  readonly fallback?: ((request: FallbackRequest) => Promise<unknown> | unknown) | undefined;
  readonly now: () => number;
}

/** Outcomes a later run does not redo. */
export const TERMINAL: ReadonlySet<RecipientOutcome> = new Set(['sent', 'fallback', 'unreachable', 'skipped']);

/**
 * Keeps a recipient's outcome in the store (what a later run, and a queue-mode coordinator,
 * read) and resolves with it.
 *
 * @example
 * await recordOutcome(spec, '+15555550100', { outcome: 'sent', messageId }, deps);
 */
export async function recordOutcome(spec: CampaignSpec, phone: string, result: Omit<RecipientReport, 'phone' | 'at'>, deps: Pick<StepDeps, 'store' | 'now'>): Promise<RecipientReport> {
  const report: RecipientReport = { phone, ...result, at: new Date(deps.now()).toISOString() };
  await deps.store.set(campaignKeys.recipient(spec.agentId, spec.id, phone), report, spec.keepMs);
  return report;
}

/**
 * One RBM-capable recipient: skipped when opted out, else the message filled in and sent
 * under its derived messageId; a 404 goes to {@link fallBack}. Records and resolves with the outcome.
 *
 * @example
 * const report = await sendToRecipient(spec, { phone: '+15555550100', vars: { name: 'Ann' } }, deps);
 */
export async function sendToRecipient(spec: CampaignSpec, recipient: Recipient, deps: StepDeps): Promise<RecipientReport> {
  if (await deps.optOuts.has(recipient.phone)) return recordOutcome(spec, recipient.phone, { outcome: 'skipped', reason: 'opted_out' }, deps);
  const messageId = campaignMessageId(spec.agentId, spec.id, recipient.phone);
  let message: AgentMessage;
  try {
    message = renderMessage(spec.message, recipient.vars ?? {});
  } catch (error) {
    return recordOutcome(spec, recipient.phone, { outcome: 'failed', reason: (error as Error).message }, deps);
  }
  try {
    await deps.client.sendMessage({ agentId: spec.agentId, phone: recipient.phone, message, messageId });
  } catch (error) {
    if (error instanceof UserNotReachableError) return fallBack(spec, recipient, 'not_found', deps);
    deps.log.warn({ campaignId: spec.id, phone: maskPhone(recipient.phone), err: error }, 'campaign send failed');
    return recordOutcome(spec, recipient.phone, { outcome: 'failed', messageId, reason: (error as Error).message }, deps);
  }
  return recordOutcome(spec, recipient.phone, { outcome: 'sent', messageId }, deps);
}

/**
 * A recipient RBM cannot reach: skipped when opted out, else to the fallback (an SMS), or
 * listed unreachable without one. Records and resolves with the outcome.
 *
 * @example
 * await fallBack(spec, recipient, 'no_rbm', deps);
 */
export async function fallBack(spec: CampaignSpec, recipient: Recipient, reason: UnreachableReason, deps: StepDeps): Promise<RecipientReport> {
  if (await deps.optOuts.has(recipient.phone)) return recordOutcome(spec, recipient.phone, { outcome: 'skipped', reason: 'opted_out' }, deps);
  if (deps.fallback === undefined) return recordOutcome(spec, recipient.phone, { outcome: 'unreachable', reason }, deps);
  try {
    await deps.fallback({ agentId: spec.agentId, campaignId: spec.id, recipient, reason, idempotencyKey: `${spec.id}:${recipient.phone}` });
  } catch (error) {
    return recordOutcome(spec, recipient.phone, { outcome: 'failed', reason: `the fallback failed: ${(error as Error).message}` }, deps);
  }
  return recordOutcome(spec, recipient.phone, { outcome: 'fallback', reason }, deps);
}
