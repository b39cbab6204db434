import type { AgentMessage } from '../client/agent-message.js';
import type { SendWindow } from './send-window.js';

/** One number a campaign writes to, and the variables its message template uses. */
export interface Recipient {
  /** E.164, e.g. `+15555550100`. */
  readonly phone: string;
  /** `{{name}}` in the message becomes `vars.name`. */
  readonly vars?: Readonly<Record<string, string>>;
}

/**
 * What became of one recipient:
 * - `sent`: Google accepted the message;
 * - `fallback`: the number cannot get RBM, and the fallback (an SMS, say) took it;
 * - `unreachable`: the number cannot get RBM, and there is no fallback;
 * - `failed`: the send or the fallback failed (a later run tries it again);
 * - `skipped`: the number opted out (STOP), or stood twice in the list.
 */
export type RecipientOutcome = 'sent' | 'fallback' | 'unreachable' | 'failed' | 'skipped';

/** One line of a campaign's report. */
export interface RecipientReport {
  readonly phone: string;
  readonly outcome: RecipientOutcome;
  /** The messageId sent under (derived from the campaign and the number: a resend reuses it). */
  readonly messageId?: string;
  /** Why, for `failed`, `skipped` and `unreachable`. */
  readonly reason?: string;
  /** When it was decided, ISO 8601. */
  readonly at: string;
}

/** Why a number went to the fallback: Google's capability check, or a 404 to the send. */
export type UnreachableReason = 'no_rbm' | 'not_found';

/** What a fallback is told of a recipient RBM cannot reach. */
export interface FallbackRequest {
  readonly agentId: string;
  readonly campaignId: string;
  readonly recipient: Recipient;
  readonly reason: UnreachableReason;
  /** The same for every attempt at this recipient: hand it to your SMS provider as its idempotency key. */
  readonly idempotencyKey: string;
}

export interface CampaignOptions {
  /** Names the campaign: progress and each recipient's messageId derive from it, so a run with the same id resumes. */
  readonly id: string;
  readonly agentId: string;
  readonly recipients: readonly Recipient[];
  /** The message, `{{name}}` placeholders filled from each recipient's `vars`. Set `messageTrafficType` (PROMOTION, TRANSACTION…). */
  readonly message: AgentMessage;
  /** Takes the recipients RBM cannot reach (no RCS, or a 404); without it they are listed `unreachable`. */
  readonly fallback?: (request: FallbackRequest) => Promise<unknown> | unknown;
  /** Send only within these hours; outside, the campaign waits for the window to open. */
  readonly window?: SendWindow;
  /** Sends in flight at once. Default 8; the client's rate limits pace them. */
  readonly concurrency?: number;
  /**
   * Queue mode: recipients on the broker and not done, at most; more are published as outcomes
   * come. Users' messages share the partitions and wait behind no more than these. Default 1,000.
   */
  readonly maxQueued?: number;
  /** Numbers per `users:batchGet`. Default 1,000. */
  readonly capabilityChunk?: number;
  /** How long progress is kept in the store after the last write, in ms. Default 30 days. */
  readonly keepMs?: number;
  /** How often `progress` is emitted, in ms. Default 500. */
  readonly progressMs?: number;
}

/** Where a campaign is. */
export type CampaignState = 'starting' | 'sending' | 'waiting' | 'paused' | 'stopped' | 'done' | 'failed';

/** A campaign's counts, as it goes and at its end. */
export interface CampaignProgress {
  readonly campaignId: string;
  readonly state: CampaignState;
  readonly total: number;
  readonly sent: number;
  readonly fallback: number;
  readonly unreachable: number;
  readonly failed: number;
  readonly skipped: number;
  /** Recipients not done yet. */
  readonly remaining: number;
  /** Sends a second over the last 10 s. */
  readonly ratePerSecond: number;
  /** Seconds left at that rate; undefined while nothing was sent lately. */
  readonly etaSeconds?: number;
  /** While `waiting`: when the send window opens, ISO 8601. */
  readonly resumesAt?: string;
}

/** A campaign's end: its counts and one line per recipient, including those of earlier runs. */
export interface CampaignReport {
  readonly progress: CampaignProgress;
  readonly recipients: readonly RecipientReport[];
}
