import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import { v5 as uuidV5 } from 'uuid';
import { UserNotReachableError } from '../client/rbm-api-errors.js';
import type { RbmClient } from '../client/rbm-client.js';
import { isE164, maskPhone } from '../client/phone.js';
import { ConfigError } from '../errors.js';
import type { SessionStore } from '../stores/session-store.js';
import type {
  CampaignOptions,
  CampaignProgress,
  CampaignReport,
  CampaignState,
  Recipient,
  RecipientOutcome,
  RecipientReport,
  UnreachableReason,
} from './campaign-types.js';
import { renderMessage } from './message-template.js';
import type { AgentOptOuts } from './opt-outs.js';
import { sendWindow } from './send-window.js';

/** The namespace of every campaign messageId (UUID v5 of campaign id and number). */
const MESSAGE_ID_NAMESPACE = '5b0f1c1e-7a52-4d1e-9a3b-6e1f2c0d4a71';
const DAY_MS = 24 * 3_600_000;
/** Store reads in flight at once while loading earlier progress. */
const READS_AT_ONCE = 64;
/** How often another process's pause or stop is looked for, in ms. */
const CONTROL_POLL_MS = 500;

/**
 * The messageId of a campaign's message to one number: the same in every run, so a resend
 * after a crash is dropped by Google as a copy.
 *
 * @example
 * campaignMessageId('spring-sale', '+15555550100'); // a UUID, always the same for this pair
 */
export function campaignMessageId(campaignId: string, phone: string): string {
  return uuidV5(`${campaignId}\n${phone}`, MESSAGE_ID_NAMESPACE);
}

/** Where a campaign keeps what it did and reads pause and stop: the store key of each. */
export const campaignKeys = {
  recipient: (campaignId: string, phone: string) => `rbmkit:campaign:${campaignId}:r:${phone}`,
  control: (campaignId: string) => `rbmkit:campaign:${campaignId}:control`,
} as const;

/** A pause or stop asked for through the store (by `rbmkit campaign pause|stop`, or another process). */
export type CampaignControl = 'pause' | 'stop';

/** What a campaign runs on: the bot's client, store and opt-outs. */
export interface CampaignDeps {
  readonly client: RbmClient;
  readonly store: SessionStore;
  readonly optOuts: AgentOptOuts;
  readonly log: Logger;
  /** Told of each recipient done, and of the recipients left (metrics). */
  readonly onOutcome?: (outcome: RecipientOutcome) => void;
  readonly onRemaining?: (delta: number) => void;
  /** Awaited before anything else: the bot connecting its stores. */
  readonly ready?: () => Promise<void>;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

interface CampaignEvents {
  progress: [CampaignProgress];
  recipient: [RecipientReport];
}

const TERMINAL: ReadonlySet<RecipientOutcome> = new Set(['sent', 'fallback', 'unreachable', 'skipped']);

/**
 * A running campaign, made by `bot.campaign()`: emits `progress` every `progressMs` and at each
 * change of state, `recipient` for each recipient done; `done` resolves with the report.
 * `pause()`, `resume()` and `stop()` act at once here and, through the store, on every process
 * running the same campaign id.
 *
 * @example
 * const campaign = bot.campaign({ id: 'spring-sale', agentId, recipients, message });
 * campaign.on('progress', (p) => console.log(`${p.sent}/${p.total}`));
 * const report = await campaign.done;
 */
export class Campaign extends EventEmitter<CampaignEvents> {
  /** Resolves with the report once every recipient is done, or the campaign was stopped; rejects when it cannot go on (a store or capability check failing). */
  readonly done: Promise<CampaignReport>;
  private state: CampaignState = 'starting';
  private control: CampaignControl | undefined;
  private resumesAt: number | undefined;
  private readonly counts = { sent: 0, fallback: 0, unreachable: 0, failed: 0, skipped: 0 };
  private readonly reports = new Map<string, RecipientReport>();
  private readonly sendTimes: number[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly now: () => number;
  private readonly window: ReturnType<typeof sendWindow> | undefined;
  private readonly optedOut: (phone: string) => Promise<boolean>;
  private total = 0;

  constructor(
    private readonly options: CampaignOptions,
    private readonly deps: CampaignDeps,
  ) {
    super();
    checkOptions(options);
    this.now = deps.now ?? Date.now;
    this.window = options.window === undefined ? undefined : sendWindow(options.window);
    this.optedOut = (phone) => deps.optOuts.has(phone);
    this.done = this.run();
    // The caller may only listen to events: an unawaited failure is still logged, never unhandled.
    this.done.catch((error: unknown) => deps.log.error({ err: error, campaignId: options.id }, 'campaign failed'));
  }

  /** Stops sending after the sends in flight, here and in every process running this campaign. */
  pause(): Promise<void> {
    return this.setControl('pause');
  }

  /** Goes on after a pause. */
  resume(): Promise<void> {
    return this.setControl(undefined);
  }

  /** Ends the run after the sends in flight; what is done is kept, and a run with the same id goes on from there. */
  stop(): Promise<void> {
    return this.setControl('stop');
  }

  /** The counts now. */
  progress(): CampaignProgress {
    const remaining = Math.max(0, this.total - this.doneCount());
    const horizon = this.now() - 10_000;
    while (this.sendTimes.length > 0 && this.sendTimes[0]! < horizon) this.sendTimes.shift();
    const ratePerSecond = this.sendTimes.length / 10;
    return {
      campaignId: this.options.id,
      state: this.state,
      total: this.total,
      ...this.counts,
      remaining,
      ratePerSecond,
      ...(ratePerSecond > 0 && remaining > 0 ? { etaSeconds: Math.ceil(remaining / ratePerSecond) } : {}),
      ...(this.state === 'waiting' && this.resumesAt !== undefined ? { resumesAt: new Date(this.resumesAt).toISOString() } : {}),
    };
  }

  private doneCount(): number {
    const { sent, fallback, unreachable, failed, skipped } = this.counts;
    return sent + fallback + unreachable + failed + skipped;
  }

  private async setControl(control: CampaignControl | undefined): Promise<void> {
    this.control = control;
    this.wakeAll();
    const key = campaignKeys.control(this.options.id);
    if (control === undefined) await this.deps.store.delete(key);
    else await this.deps.store.set(key, control, this.options.keepMs ?? 30 * DAY_MS);
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Sleeps up to `ms`, woken early by a pause, resume or stop. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wakers = this.wakers;
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  }

  private setState(state: CampaignState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('progress', this.progress());
  }

  private async run(): Promise<CampaignReport> {
    // Let the caller subscribe before the first event.
    await Promise.resolve();
    await this.deps.ready?.();
    const { id: campaignId, agentId } = this.options;
    const started = this.now();
    const ticker = setInterval(() => this.emit('progress', this.progress()), this.options.progressMs ?? 500);
    const poller = setInterval(() => void this.pollControl(), CONTROL_POLL_MS);
    let remainingReported = 0;
    try {
      // A stop ended the runs that were going then; this run starts afresh. A pause holds until a resume.
      const stored = (await this.deps.store.get(campaignKeys.control(campaignId))) as CampaignControl | undefined;
      if (stored === 'stop') await this.deps.store.delete(campaignKeys.control(campaignId));
      else if (stored === 'pause') {
        this.control = 'pause';
        this.deps.log.warn({ campaignId }, `campaign ${campaignId} is paused: it starts when resumed (rbmkit campaign resume --id ${campaignId})`);
      }
      const pending = await this.loadEarlierRuns();
      remainingReported = pending.length;
      this.deps.onRemaining?.(pending.length);
      this.deps.log.info({ campaignId, agentId, total: this.total, pending: pending.length }, `campaign ${campaignId}: ${pending.length} of ${this.total} recipients to go`);
      const chunk = this.options.capabilityChunk ?? 1_000;
      for (let at = 0; at < pending.length && this.control !== 'stop'; at += chunk) {
        const slice = pending.slice(at, at + chunk);
        if (!(await this.gate())) break;
        const { reachableUsers } = await this.deps.client.batchGetCapabilities({ agentId, phones: slice.map((recipient) => recipient.phone) });
        const reachable = new Set(reachableUsers);
        const work = slice.map((recipient) => (reachable.has(recipient.phone) ? () => this.send(recipient) : () => this.unreachable(recipient, 'no_rbm')));
        await this.pool(work, (done) => {
          remainingReported -= done;
          this.deps.onRemaining?.(-done);
        });
      }
      this.setState(this.control === 'stop' || this.doneCount() < this.total ? 'stopped' : 'done');
      this.deps.log.info({ campaignId, ...this.counts, ms: this.now() - started }, `campaign ${campaignId}: ${this.state}`);
    } catch (error) {
      this.setState('failed');
      throw error;
    } finally {
      clearInterval(ticker);
      clearInterval(poller);
      this.deps.onRemaining?.(-remainingReported);
      this.wakeAll();
    }
    const progress = this.progress();
    this.emit('progress', progress);
    return { progress, recipients: [...this.reports.values()] };
  }

  /** Reads what earlier runs did; resolves with the recipients still to do, in list order. */
  private async loadEarlierRuns(): Promise<Recipient[]> {
    const seen = new Set<string>();
    const unique: Recipient[] = [];
    for (const recipient of this.options.recipients) {
      if (seen.has(recipient.phone)) {
        this.record(recipient.phone, { outcome: 'skipped', reason: 'duplicate: the number stands earlier in the list' }, false);
        continue;
      }
      seen.add(recipient.phone);
      unique.push(recipient);
    }
    this.total = this.options.recipients.length;
    const pending: Recipient[] = [];
    for (let at = 0; at < unique.length; at += READS_AT_ONCE) {
      const slice = unique.slice(at, at + READS_AT_ONCE);
      const earlier = await Promise.all(slice.map((recipient) => this.deps.store.get(campaignKeys.recipient(this.options.id, recipient.phone))));
      slice.forEach((recipient, i) => {
        const report = earlier[i] as RecipientReport | undefined;
        if (report !== undefined && TERMINAL.has(report.outcome)) {
          this.reports.set(recipient.phone, report);
          this.counts[report.outcome] += 1;
        } else pending.push(recipient);
      });
    }
    return pending;
  }

  /**
   * Runs `work` `concurrency` at a time, reporting each one done. The first failure (the store
   * refusing a record) lets the items in flight end, starts no other, and is thrown.
   */
  private async pool(work: ReadonlyArray<() => Promise<boolean>>, finished: (count: number) => void): Promise<void> {
    let next = 0;
    let failed = false;
    let failure: unknown;
    const worker = async () => {
      while (next < work.length && !failed) {
        const item = work[next++]!;
        try {
          if (await item()) finished(1);
          else return;
        } catch (error) {
          if (!failed) [failed, failure] = [true, error];
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, work.length) }, worker));
    if (failed) throw failure;
  }

  /** Waits while paused or outside the send window; false once stopped. */
  private async gate(): Promise<boolean> {
    for (;;) {
      if (this.control === 'stop') return false;
      if (this.control === 'pause') {
        this.setState('paused');
        await this.nap(CONTROL_POLL_MS * 2);
        continue;
      }
      const wait = this.window?.msUntilOpen(this.now()) ?? 0;
      if (wait > 0) {
        this.resumesAt = this.now() + wait;
        this.setState('waiting');
        await this.nap(Math.min(wait, 60_000));
        continue;
      }
      this.resumesAt = undefined;
      this.setState('sending');
      return true;
    }
  }

  private async pollControl(): Promise<void> {
    try {
      const control = ((await this.deps.store.get(campaignKeys.control(this.options.id))) as CampaignControl | undefined) ?? undefined;
      if (control !== this.control) {
        this.control = control;
        this.wakeAll();
      }
    } catch {
      // The store is down: the next poll tries again; sends fail on their own records meanwhile.
    }
  }

  /** Sends to one RBM-capable recipient; false when the campaign stopped before it. */
  private async send(recipient: Recipient): Promise<boolean> {
    if (!(await this.gate())) return false;
    if (await this.optedOut(recipient.phone)) {
      await this.record(recipient.phone, { outcome: 'skipped', reason: 'opted_out' });
      return true;
    }
    const messageId = campaignMessageId(this.options.id, recipient.phone);
    let message;
    try {
      message = renderMessage(this.options.message, recipient.vars ?? {});
    } catch (error) {
      await this.record(recipient.phone, { outcome: 'failed', reason: (error as Error).message });
      return true;
    }
    try {
      await this.deps.client.sendMessage({ agentId: this.options.agentId, phone: recipient.phone, message, messageId });
    } catch (error) {
      if (error instanceof UserNotReachableError) return this.unreachable(recipient, 'not_found');
      this.deps.log.warn({ campaignId: this.options.id, phone: maskPhone(recipient.phone), err: error }, 'campaign send failed');
      await this.record(recipient.phone, { outcome: 'failed', messageId, reason: (error as Error).message });
      return true;
    }
    this.sendTimes.push(this.now());
    await this.record(recipient.phone, { outcome: 'sent', messageId });
    return true;
  }

  /** A recipient RBM cannot reach: to the fallback, or listed unreachable. */
  private async unreachable(recipient: Recipient, reason: UnreachableReason): Promise<boolean> {
    if (!(await this.gate())) return false;
    if (await this.optedOut(recipient.phone)) {
      await this.record(recipient.phone, { outcome: 'skipped', reason: 'opted_out' });
      return true;
    }
    const fallback = this.options.fallback;
    if (fallback === undefined) {
      await this.record(recipient.phone, { outcome: 'unreachable', reason });
      return true;
    }
    try {
      await fallback({ agentId: this.options.agentId, campaignId: this.options.id, recipient, reason, idempotencyKey: `${this.options.id}:${recipient.phone}` });
    } catch (error) {
      await this.record(recipient.phone, { outcome: 'failed', reason: `the fallback failed: ${(error as Error).message}` });
      return true;
    }
    await this.record(recipient.phone, { outcome: 'fallback', reason });
    return true;
  }

  /** Counts an outcome and keeps it in the store (the record a later run resumes from). */
  private async record(phone: string, result: Omit<RecipientReport, 'phone' | 'at'>, store = true): Promise<void> {
    const report: RecipientReport = { phone, ...result, at: new Date(this.now()).toISOString() };
    if (store) await this.deps.store.set(campaignKeys.recipient(this.options.id, phone), report, this.options.keepMs ?? 30 * DAY_MS);
    // A duplicate line is reported under its number only if nothing else is.
    if (store || !this.reports.has(phone)) this.reports.set(phone, report);
    this.counts[report.outcome] += 1;
    this.deps.onOutcome?.(report.outcome);
    this.emit('recipient', report);
  }
}

/** Throws a ConfigError naming what is wrong with a campaign's options. */
function checkOptions(options: CampaignOptions): void {
  const problems: string[] = [];
  if (typeof options.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(options.id)) {
    problems.push(`id: expected 1-100 letters, digits, ".", "_" or "-", got ${JSON.stringify(options.id)}`);
  }
  if (typeof options.agentId !== 'string' || options.agentId === '') problems.push('agentId: expected the agent to send as');
  if (!Array.isArray(options.recipients)) problems.push('recipients: expected a list of { phone, vars? }');
  else {
    const bad = options.recipients.filter((recipient) => !isE164(recipient?.phone ?? '')).length;
    if (bad > 0) problems.push(`recipients: expected E.164 numbers such as +15555550100; ${bad} are not`);
  }
  if (typeof options.message?.contentMessage !== 'object') problems.push('message: expected an AgentMessage with a contentMessage');
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) problems.push(`concurrency: expected a whole number of at least 1, got ${concurrency}`);
  const chunk = options.capabilityChunk ?? 1_000;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 10_000) problems.push(`capabilityChunk: expected a whole number from 1 to 10,000, got ${chunk}`);
  if (problems.length > 0) throw new ConfigError(`bot.campaign(): ${problems.join('; ')}`);
}
