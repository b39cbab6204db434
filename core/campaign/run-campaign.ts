import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { RbmClient } from '../client/rbm-client.js';
import { isE164 } from '../client/phone.js';
import { ConfigError } from '../errors.js';
import type { SessionStore } from '../stores/session-store.js';
import type { CampaignOptions, CampaignProgress, CampaignReport, CampaignState, Recipient, RecipientOutcome, RecipientReport } from './campaign-types.js';
import type { AgentOptOuts } from './opt-outs.js';
import { campaignKeys, DAY_MS, fallBack, sendToRecipient, TERMINAL, type CampaignControl, type CampaignSpec, type StepDeps } from './recipient-step.js';
import { sendWindow } from './send-window.js';

export { campaignKeys, campaignMessageId, type CampaignControl } from './recipient-step.js';

/** Store reads in flight at once while loading earlier progress. */
const READS_AT_ONCE = 64;
/** How often another process's pause or stop is looked for, in ms. */
const CONTROL_POLL_MS = 500;
/** How often a queue-mode coordinator looks for the workers' records, in ms. */
const COLLECT_MS = 250;

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
  /**
   * Queue mode: hands one RBM-capable recipient to the workers (a work item on the broker,
   * confirmed), instead of sending here. `publishId` is new for each publish of a number.
   */
  readonly publish?: (recipient: Recipient, publishId: string) => Promise<void>;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

interface CampaignEvents {
  progress: [CampaignProgress];
  recipient: [RecipientReport];
}


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
  /** The lines of numbers listed again, apart: they never stand for the number's own outcome. */
  private readonly duplicateLines: RecipientReport[] = [];
  private readonly sendTimes: number[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly now: () => number;
  private readonly window: ReturnType<typeof sendWindow> | undefined;
  private readonly spec: CampaignSpec;
  private total = 0;
  /** How often the gate held sending (paused, out of the window): queue mode republishes after one. */
  private gateNaps = 0;
  /** Local pauses, resumes and stops so far: a store read begun before one is stale. */
  private controlSets = 0;
  /** Ended here by {@link Campaign.halt}, whatever the store says. */
  private halted = false;

  constructor(
    private readonly options: CampaignOptions,
    private readonly deps: CampaignDeps,
  ) {
    super();
    checkOptions(options);
    this.now = deps.now ?? Date.now;
    this.window = options.window === undefined ? undefined : sendWindow(options.window);
    this.spec = {
      id: options.id,
      agentId: options.agentId,
      message: options.message,
      ...(options.window === undefined ? {} : { window: options.window }),
      keepMs: options.keepMs ?? 30 * DAY_MS,
    };
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
    this.controlSets += 1;
    this.control = control;
    this.wakeAll();
    const key = campaignKeys.control(this.options.agentId, this.options.id);
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
    this.report();
  }

  /** Emits the progress; a listener that throws is logged, never thrown into the campaign or a timer. */
  private report(): void {
    try {
      this.emit('progress', this.progress());
    } catch (error) {
      this.deps.log.error({ err: error, campaignId: this.options.id }, 'a campaign progress listener failed');
    }
  }

  /**
   * Ends this run here, after the sends in flight, without telling other processes (the bot is
   * closing): its progress is kept, and a run with the same id goes on.
   */
  halt(): void {
    this.halted = true;
    this.wakeAll();
  }

  private async run(): Promise<CampaignReport> {
    // Let the caller subscribe before the first event.
    await Promise.resolve();
    await this.deps.ready?.();
    const { id: campaignId, agentId } = this.options;
    const started = this.now();
    const ticker = setInterval(() => this.report(), this.options.progressMs ?? 500);
    const poller = setInterval(() => void this.pollControl(), CONTROL_POLL_MS);
    let remainingReported = 0;
    try {
      // A stop ended the runs that were going then; this run starts afresh. A pause holds until a resume.
      const stored = (await this.deps.store.get(campaignKeys.control(agentId, campaignId))) as CampaignControl | undefined;
      if (stored === 'stop') await this.deps.store.delete(campaignKeys.control(agentId, campaignId));
      else if (stored === 'pause') {
        this.control = 'pause';
        this.deps.log.warn({ campaignId }, `campaign ${campaignId} is paused: it starts when resumed (rbmkit campaign resume --agent ${agentId} --id ${campaignId})`);
      }
      const pending = await this.loadEarlierRuns();
      remainingReported = pending.length;
      this.deps.onRemaining?.(pending.length);
      this.deps.log.info({ campaignId, agentId, total: this.total, pending: pending.length }, `campaign ${campaignId}: ${pending.length} of ${this.total} recipients to go`);
      const finished = (done: number) => {
        remainingReported -= done;
        this.deps.onRemaining?.(-done);
      };
      // `rbmkit campaign pause` finds the campaign by it; queue workers read the message and window from it.
      await this.deps.store.set(campaignKeys.spec(agentId, campaignId), this.spec, this.spec.keepMs);
      const publish = this.deps.publish;
      if (publish !== undefined) {
        await this.runQueued(pending, publish, finished);
      } else {
        const chunk = this.options.capabilityChunk ?? 1_000;
        for (let at = 0; at < pending.length && this.control !== 'stop'; at += chunk) {
          const slice = pending.slice(at, at + chunk);
          if (!(await this.gate())) break;
          const { reachableUsers } = await this.deps.client.batchGetCapabilities({ agentId, phones: slice.map((recipient) => recipient.phone) });
          const reachable = new Set(reachableUsers);
          const work = slice.map((recipient) => (reachable.has(recipient.phone) ? () => this.send(recipient) : () => this.unreachable(recipient)));
          await this.pool(work, finished);
        }
      }
      this.setState(this.halted || this.control === 'stop' || this.doneCount() < this.total ? 'stopped' : 'done');
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
    this.report();
    return { progress, recipients: [...this.reports.values(), ...this.duplicateLines] };
  }

  /** Reads what earlier runs did; resolves with the recipients still to do, in list order. */
  private async loadEarlierRuns(): Promise<Recipient[]> {
    const seen = new Set<string>();
    const unique: Recipient[] = [];
    for (const recipient of this.options.recipients) {
      if (seen.has(recipient.phone)) {
        // Not kept in the store: the number's own outcome is.
        this.take({ phone: recipient.phone, outcome: 'skipped', reason: DUPLICATE, at: new Date(this.now()).toISOString() }, true);
        continue;
      }
      seen.add(recipient.phone);
      unique.push(recipient);
    }
    this.total = this.options.recipients.length;
    const pending: Recipient[] = [];
    for (let at = 0; at < unique.length; at += READS_AT_ONCE) {
      const slice = unique.slice(at, at + READS_AT_ONCE);
      const earlier = await Promise.all(slice.map((recipient) => this.deps.store.get(campaignKeys.recipient(this.options.agentId, this.options.id, recipient.phone))));
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
      if (this.halted || this.control === 'stop') return false;
      if (this.control === 'pause') {
        this.setState('paused');
        this.gateNaps += 1;
        await this.nap(CONTROL_POLL_MS * 2);
        continue;
      }
      const wait = this.window?.msUntilOpen(this.now()) ?? 0;
      if (wait > 0) {
        this.resumesAt = this.now() + wait;
        this.setState('waiting');
        this.gateNaps += 1;
        await this.nap(Math.min(wait, 60_000));
        continue;
      }
      this.resumesAt = undefined;
      this.setState('sending');
      return true;
    }
  }

  private async pollControl(): Promise<void> {
    const sets = this.controlSets;
    try {
      const control = ((await this.deps.store.get(campaignKeys.control(this.options.agentId, this.options.id))) as CampaignControl | undefined) ?? undefined;
      // A pause, resume or stop made here while the read was out is newer than what it read.
      if (sets !== this.controlSets) return;
      if (control !== this.control) {
        this.control = control;
        this.wakeAll();
      }
    } catch {
      // The store is down: the next poll tries again; sends fail on their own records meanwhile.
    }
  }

  /** What one recipient's step runs on here. */
  private stepDeps(): StepDeps {
    return { client: this.deps.client, store: this.deps.store, optOuts: this.deps.optOuts, log: this.deps.log, fallback: this.options.fallback, now: this.now };
  }

  /** Sends to one RBM-capable recipient here; false when the campaign stopped before it. */
  private async send(recipient: Recipient): Promise<boolean> {
    if (!(await this.gate())) return false;
    const report = await sendToRecipient(this.spec, recipient, this.stepDeps());
    if (report.outcome === 'sent') this.sendTimes.push(this.now());
    this.take(report);
    return true;
  }

  /** A recipient RBM cannot reach: to the fallback, or listed unreachable; false when stopped before it. */
  private async unreachable(recipient: Recipient): Promise<boolean> {
    if (!(await this.gate())) return false;
    this.take(await fallBack(this.spec, recipient, 'no_rbm', this.stepDeps()));
    return true;
  }

  /** Counts a recipient's outcome (recorded already) and tells the listeners. */
  private take(report: RecipientReport, duplicate = false): void {
    if (duplicate) this.duplicateLines.push(report);
    else this.reports.set(report.phone, report);
    this.counts[report.outcome] += 1;
    this.deps.onOutcome?.(report.outcome);
    try {
      this.emit('recipient', report);
    } catch (error) {
      this.deps.log.error({ err: error, campaignId: this.options.id }, 'a campaign recipient listener failed');
    }
  }

  /** True while sending may go on: no pause or stop, and inside the send window. */
  private active(): boolean {
    return !this.halted && this.control === undefined && (this.window?.msUntilOpen(this.now()) ?? 0) === 0;
  }

  /**
   * Queue mode: capability checks here, sends by the workers. At most `maxQueued` recipients
   * are on the broker at once (users' messages share the partitions, and wait behind no more
   * than that); more are published as the workers record outcomes. Items a worker skipped
   * unsent (the campaign paused, out of its window, or its spec not found) are published again
   * once sending goes on, or when no outcome came for a while (10 s, doubling to 5 min).
   */
  private async runQueued(pending: Recipient[], publish: NonNullable<CampaignDeps['publish']>, finished: (count: number) => void): Promise<void> {
    const maxQueued = this.options.maxQueued ?? 1_000;
    const chunk = Math.min(this.options.capabilityChunk ?? 1_000, maxQueued);
    const runId = randomUUID().slice(0, 8);
    const queued = new Map<string, { recipient: Recipient; publishes: number }>();
    // A failed outcome of an earlier run is tried again: it goes, so that only this run's outcome counts.
    await this.inBatches(pending, (recipient) => this.deps.store.delete(campaignKeys.recipient(this.options.agentId, this.options.id, recipient.phone)));
    let next = 0;
    let lastOutcome = this.now();
    let stallMs = 10_000;
    let specWritten = 0;
    const republish = async () => {
      await this.pool(
        [...queued.values()].map((item) => async () => {
          item.publishes += 1;
          await publish(item.recipient, `${runId}:${item.publishes}`);
          return true;
        }),
        () => undefined,
      );
      lastOutcome = this.now();
    };
    while (next < pending.length || queued.size > 0) {
      const naps = this.gateNaps;
      if (!(await this.gate())) break;
      // Paused or out of the window meanwhile: what the workers skipped goes out again.
      if (this.gateNaps !== naps && queued.size > 0) await republish();
      // Workers read the message and window from the store: written again while the campaign lasts.
      if (this.now() - specWritten > 60_000) {
        await this.deps.store.set(campaignKeys.spec(this.options.agentId, this.options.id), this.spec, this.spec.keepMs);
        specWritten = this.now();
      }
      if ((await this.sweep(queued, finished)) > 0) {
        lastOutcome = this.now();
        stallMs = 10_000;
      }
      while (next < pending.length && queued.size < maxQueued && this.active()) {
        const slice = pending.slice(next, next + Math.min(chunk, maxQueued - queued.size));
        next += slice.length;
        const { reachableUsers } = await this.deps.client.batchGetCapabilities({ agentId: this.options.agentId, phones: slice.map((recipient) => recipient.phone) });
        const reachable = new Set(reachableUsers);
        await this.pool(
          slice.map((recipient) => async () => {
            if (reachable.has(recipient.phone)) {
              queued.set(recipient.phone, { recipient, publishes: 1 });
              await publish(recipient, `${runId}:1`);
              return true;
            }
            const done = await this.unreachable(recipient);
            if (done) finished(1);
            return done;
          }),
          // Published is not done: a sweep counts each once its worker recorded it.
          () => undefined,
        );
      }
      if (queued.size > 0 && this.active() && this.now() - lastOutcome > stallMs) {
        this.deps.log.warn({ campaignId: this.options.id, queued: queued.size }, `campaign ${this.options.id}: no outcome from the workers for ${stallMs / 1000} s; publishing what is open again`);
        await republish();
        stallMs = Math.min(stallMs * 2, 300_000);
      }
      if (queued.size > 0 || next < pending.length) await this.nap(COLLECT_MS);
    }
    // Stopped: the outcomes recorded since the last look still count.
    await this.sweep(queued, finished);
  }

  /** Counts the outcomes the workers recorded for the queued recipients, taking them out; resolves with how many. */
  private async sweep(queued: Map<string, unknown>, finished: (count: number) => void): Promise<number> {
    let found = 0;
    await this.inBatches([...queued.keys()], async (phone) => {
      const report = (await this.deps.store.get(campaignKeys.recipient(this.options.agentId, this.options.id, phone))) as RecipientReport | undefined;
      if (report === undefined || !queued.delete(phone)) return;
      found += 1;
      if (report.outcome === 'sent') this.sendTimes.push(this.now());
      this.take(report);
      finished(1);
    });
    return found;
  }

  /** Runs `each` over `items`, {@link READS_AT_ONCE} at a time. */
  private async inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
    for (let at = 0; at < items.length; at += READS_AT_ONCE) await Promise.all(items.slice(at, at + READS_AT_ONCE).map(each));
  }
}

/** Why a number listed a second time is skipped. */
const DUPLICATE = 'duplicate: the number stands earlier in the list';

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
