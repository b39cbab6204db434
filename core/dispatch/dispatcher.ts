import type { Logger } from 'pino';
import { NO_FAILURES, type AgentRuntime } from './agent-runtime.js';
import type { Claim, ClaimOptions, DedupeStore } from '../stores/dedupe-store.js';
import { isPermanent } from '../errors.js';
import type { Notice, RbmEvent, UnreachableNotice } from '../events/event-types.js';
import { EventContext, sharedEventState, type DeliveryInfo, type SharedEventState } from '../plugin/handler-context.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import { isThenable, PluginError, runPluginHandlers, type HandlerLimit, type PluginHandlers } from './run-handlers.js';
import type { SharedDeadlines } from './deadline.js';
import type { Telemetry } from '../ops/telemetry.js';
import type { DeliverOptions, Outcome } from './outcome.js';
import { failedOutcome } from './failed-outcome.js';
import { heldBy, type Held } from './held-by.js';
import { dedupeKey } from './dedupe-key.js';
import { ConversationLanes, conversationOf } from './conversation-lanes.js';
import { Notices } from './notices.js';

/** What a {@link Dispatcher} works with: all of it the bot's own. */
export interface DispatcherDeps {
  readonly store: DedupeStore;
  /** The bot's client. Handlers use their runtime's (`runtime.client`: the agent's own, else this). */
  readonly client: RbmClient;
  /** The client of the webhook at a path, when it has its own (a Business Messages webhook's BmClient). */
  readonly webhookClient?: (path: string) => RbmClient | undefined;
  readonly log: Logger;
  /** Counts outcomes, duplicates, redeliveries and handler durations. */
  readonly telemetry: Telemetry;
  /** How long one handler may run. */
  readonly handlerTimeoutMs: number;
  /** The timer keeping every handler's time limit; one per bot, shared by none other. */
  readonly handlerDeadlines: SharedDeadlines;
  /** Events accepted and not yet finished (running or waiting their turn), at most. */
  readonly maxInFlight: number;
  readonly sessions: SessionStore;
}

type Finished = Exclude<Outcome, { status: 'busy' | 'overloaded' | 'storeUnavailable' | 'lost' }>;

// The outcomes with nothing but a status, made once: the hot path allocates none.
const HANDLED = Object.freeze({ status: 'handled' as const });
const DUPLICATE = Object.freeze({ status: 'duplicate' as const });
const BUSY = Object.freeze({ status: 'busy' as const });
/** An event's entry in `inFlight` while its delivery starts, before its outcome's promise exists. */
const STARTING: Promise<Outcome> = new Promise<Outcome>(() => undefined);
const OVERLOADED = Object.freeze({ status: 'overloaded' as const });
const LOST = Object.freeze({ status: 'lost' as const });
const TAKEOVER: ClaimOptions = Object.freeze({ takeover: true });

/** What the dedupe store records, beside the plugin's own record, for the handler set that claimed an event. */
const CLAIM_MARK = '\u0000claimed:';

/** Where an earlier delivery's claim stands among `handlerSets`, from the records of what completed. */
function claimMarkerIndex(handlerSets: readonly PluginHandlers[], done: ReadonlySet<string> | undefined): number | undefined {
  if (done === undefined || done.size === 0) return undefined;
  for (let i = 0; i < handlerSets.length; i += 1) if (done.has(`${CLAIM_MARK}${handlerSets[i]!.record}`)) return i;
  return undefined;
}

/**
 * Hands events to an agent's plugins: each plugin at most once per event, across
 * redeliveries and concurrent duplicates; isolated from each other; failures gathered. Per
 * conversation (agent + user) events run one at a time in arrival order; conversations run
 * concurrently; past `maxInFlight` events, new ones are refused rather than queued (see
 * {@link ConversationLanes}). Notices go through {@link Notices}.
 *
 * @example
 * const dispatcher = new Dispatcher({
 *   store: new MemoryDedupeStore(), client, log, sessions: new MemorySessionStore(),
 *   telemetry: new Telemetry(), handlerTimeoutMs: 10_000, handlerDeadlines: new SharedDeadlines(10), maxInFlight: 1_000,
 * });
 * const outcome = await dispatcher.deliver(runtime, event); // { status: 'handled' }
 */
export class Dispatcher {
  /** The outcome of each event running or waiting its turn, by dedupe key: what a duplicate joins. */
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  private readonly lanes: ConversationLanes;
  private readonly notices: Notices;
  private readonly limit: HandlerLimit;

  constructor(private readonly deps: DispatcherDeps) {
    this.limit = { deadlines: deps.handlerDeadlines, ms: deps.handlerTimeoutMs };
    this.lanes = new ConversationLanes(deps.maxInFlight);
    this.notices = new Notices({ log: deps.log, sessions: deps.sessions, webhookClient: deps.webhookClient, limit: this.limit });
  }

  /**
   * Delivers one verified event to the runtime's plugins.
   *
   * @example
   * const outcome = await dispatcher.deliver(registry.runtime(event.agentId), event);
   */
  deliver(runtime: AgentRuntime, event: RbmEvent, options?: DeliverOptions): Promise<Outcome> {
    const { telemetry } = this.deps;
    const key = dedupeKey(event);
    if (key !== undefined) {
      const running = this.inFlight.get(key);
      // Delivered again while its own delivery is still starting (from a handler, at once): not run twice.
      if (running === STARTING) return Promise.resolve(this.counted(event, BUSY));
      if (running !== undefined) {
        // Joined, not rerun: the answer is the first delivery's.
        return running.then((first) => {
          const outcome = first.status === 'handled' ? DUPLICATE : first;
          telemetry.joined(event.agentId, outcome.status);
          return outcome;
        });
      }
    }
    if (!this.lanes.accept()) return Promise.resolve(this.counted(event, OVERLOADED));
    // Pinned from acceptance to the end of `run`: the registry never tears it down under this event.
    runtime.enter();
    // Marked before it runs: an event that finishes at once (a store and handlers that answer
    // at once) has already forgotten its key when it returns, and must not be kept.
    if (key !== undefined) this.inFlight.set(key, STARTING);
    const conversation = conversationOf(event);
    // After the conversation's earlier events; at once when it has none waiting (or no user).
    const turn = this.lanes.turn(conversation);
    const outcome =
      turn === undefined ? this.run(runtime, event, key, conversation, options) : turn.then(() => this.run(runtime, event, key, conversation, options));
    if (key !== undefined && this.inFlight.get(key) === STARTING) this.inFlight.set(key, outcome);
    return outcome;
  }

  /** Events accepted and not finished in this process (running or waiting their turn). */
  get inFlightCount(): number {
    return this.lanes.acceptedCount;
  }

  /** Events a duplicate delivery would join now: those running or waiting their turn, never finished ones. */
  get joinableCount(): number {
    return this.inFlight.size;
  }

  /** Resolves once every event accepted so far is done. */
  drain(): Promise<void> {
    return this.lanes.drain();
  }

  /**
   * Hands a notice to the plugins subscribed to it; when none is, `whenNobodyListens` runs
   * instead (see {@link Notices.notify}).
   *
   * @example
   * await dispatcher.notify(runtime, rejectedNotice, undefined, { eventId: '', attempt: 1, redelivery: false }, () =>
   *   log.warn('request rejected'),
   * );
   */
  notify(runtime: AgentRuntime, notice: Notice, event: RbmEvent | undefined, delivery: DeliveryInfo, whenNobodyListens?: () => void): Promise<void> {
    return this.notices.notify(runtime, notice, event, delivery, whenNobodyListens);
  }

  /**
   * Hands an `unreachable` notice to the agent's plugins, or logs it (see {@link Notices.reportUnreachable}).
   *
   * @example
   * await dispatcher.reportUnreachable(runtime, notice, ctx.delivery, false);
   */
  reportUnreachable(runtime: AgentRuntime, notice: UnreachableNotice, delivery: DeliveryInfo | undefined, fromClient: boolean): Promise<void> {
    return this.notices.reportUnreachable(runtime, notice, delivery, fromClient);
  }

  /**
   * Forgets a finished event before anyone learns its outcome: a delivery made once the outcome
   * is known runs anew (against the store) rather than joining the finished one. Then lets the
   * next event of its conversation run, if one waits.
   */
  private finished(key: string | undefined, conversation: string | undefined): void {
    if (key !== undefined) this.inFlight.delete(key);
    this.lanes.finished(conversation);
  }

  /** Counts an outcome of `event`, and gives it back. */
  private counted<O extends Outcome>(event: RbmEvent, outcome: O): O {
    this.deps.telemetry.outcome(event.agentId, outcome.status);
    return outcome;
  }

  /**
   * Claims the event, runs what is left of it, releases it: the whole life of one accepted
   * event. A store that answers at once (the in-memory one) is not awaited.
   */
  private async run(
    runtime: AgentRuntime,
    event: RbmEvent,
    key: string | undefined,
    conversation: string | undefined,
    options: DeliverOptions | undefined,
  ): Promise<Outcome> {
    const { store } = this.deps;
    try {
      let claim: Claim | undefined;
      try {
        if (key !== undefined) {
          const claimed = options?.takeover === true ? store.claim(key, TAKEOVER) : store.claim(key);
          claim = isThenable(claimed) ? await claimed : claimed;
        }
      } catch (error) {
        this.deps.log.error({ err: error, agentId: event.agentId, eventId: event.id }, 'the dedupe store failed: answering 503, nothing dispatched');
        return this.counted(event, { status: 'storeUnavailable', message: (error as Error).message });
      }
      if (claim?.busy === true) return this.counted(event, BUSY);
      const attempt = claim?.attempt ?? 1;
      const delivery: DeliveryInfo = { pushId: event.push.pushId, eventId: event.id, attempt, redelivery: attempt > 1 };
      const held = heldBy(store, key, options);
      try {
        const unrecorded: string[] = [];
        const done = claim?.completed;
        // Plugins set up already (the common case): their handlers run at once, nothing awaited.
        const dispatched = runtime.isReady
          ? this.runHandlerSets(runtime, event, key, done, delivery, unrecorded, NO_FAILURES, held)
          : runtime.ready().then((setupFailures) => this.runHandlerSets(runtime, event, key, done, delivery, unrecorded, setupFailures, held));
        const outcome = isThenable(dispatched) ? await dispatched : dispatched;
        if (held !== undefined && !held()) {
          this.deps.log.warn({ agentId: event.agentId, eventId: event.id }, 'this process lost the event to another holder mid-way (its lease was taken over or lapsed): left to the new holder');
          return this.counted(event, LOST);
        }
        if (unrecorded.length > 0) {
          const message = `could not record that plugins ${unrecorded.join(', ')} completed; a redelivery may run them again`;
          this.deps.log.error({ agentId: event.agentId, eventId: event.id, plugins: unrecorded }, message);
          return this.counted(event, { status: 'storeUnavailable', message });
        }
        this.counted(event, outcome);
        if (runtime.handlersFor('settled').length > 0) {
          const failed = outcome.status === 'failed' || outcome.status === 'failedPermanently' ? outcome.plugins : [];
          const latencyMs = Date.now() - event.push.receivedAt;
          const notified = this.notices.notifySubscribed(runtime, { type: 'settled', event, outcome: outcome.status, failed, latencyMs, attempt }, event, delivery);
          if (notified !== undefined) await notified;
        }
        return outcome;
      } finally {
        if (key !== undefined) {
          try {
            const released = store.release(key);
            if (isThenable(released)) await released;
          } catch (error) {
            this.deps.log.warn({ err: error, eventId: event.id }, 'releasing an event failed; its lease will lapse');
          }
        }
      }
    } finally {
      this.finished(key, conversation);
      runtime.leave();
    }
  }

  /**
   * Runs the plugins that have not completed this event yet, once their setups ran: at once
   * when every handler returned at once and the store recorded at once, else a promise of the outcome.
   */
  private runHandlerSets(
    runtime: AgentRuntime,
    event: RbmEvent,
    key: string | undefined,
    done: ReadonlySet<string> | undefined,
    delivery: DeliveryInfo,
    unrecorded: string[],
    setupFailures: ReadonlyMap<string, unknown>,
    held: Held | undefined,
  ): Finished | Promise<Finished> {
    const handlerSets = runtime.handlersFor(event.type);
    const errors: PluginError[] = [];
    for (const [plugin, error] of setupFailures) if (done === undefined || !done.has(plugin)) errors.push(new PluginError(plugin, error));
    let shared: SharedEventState | undefined;
    const { telemetry, store } = this.deps;
    const timed = telemetry.timesHandlers;
    const pending: Promise<void>[] = [];
    const records: Promise<void>[] = [];
    let ran = 0;
    const record = (name: string) => {
      try {
        const recorded = store.complete(key!, name);
        if (isThenable(recorded)) records.push(Promise.resolve(recorded).catch(() => void unrecorded.push(name)));
      } catch {
        unrecorded.push(name);
      }
    };
    // Which handler set claimed the event: by this delivery, or by an earlier one that completed it.
    let claimedAt = claimMarkerIndex(handlerSets, done);
    const claim = { by: claimedAt === undefined ? undefined : handlerSets[claimedAt]!.key };
    // A handler that failed may have been about to claim: no fallback answers this delivery as if no one had.
    let handlerFailed = false;
    const finish = (handlerSet: PluginHandlers, started: number, failure?: PluginError) => {
      if (timed) telemetry.handler(runtime.id, handlerSet.key, event.type, (performance.now() - started) / 1000);
      if (failure !== undefined) errors.push(failure);
      if (failure !== undefined && handlerSet.stage === 'handle') handlerFailed = true;
      // A permanent failure is final too: a redelivery must not run that plugin again.
      // A holder that lost the event records nothing: its new holder decides what completed.
      if (key === undefined || (failure !== undefined && !isPermanent(failure.cause)) || (held !== undefined && !held())) return;
      // The claim is recorded before the set's completion: a crash between the two never leaves "done, not claimed".
      if (failure === undefined && handlerSet.stage !== 'observe' && claimedAt === undefined && claim.by === handlerSet.key) record(`${CLAIM_MARK}${handlerSet.record}`);
      record(handlerSet.record);
    };
    /** Starts one handler set: undefined once they finished at once, else a promise of their end (never rejecting). */
    const start = (handlerSet: PluginHandlers): Promise<void> | undefined => {
      ran += 1;
      shared ??= { ...sharedEventState(this.deps, runtime, event, delivery, event.type, held), claim };
      const ctx = new EventContext(shared, handlerSet.key, handlerSet.stage);
      const started = timed ? performance.now() : 0;
      let result: Promise<void> | undefined;
      try {
        result = runPluginHandlers(handlerSet, event, ctx, this.limit);
      } catch (error) {
        finish(handlerSet, started, error as PluginError);
        return undefined;
      }
      if (result === undefined) {
        finish(handlerSet, started);
        return undefined;
      }
      return result.then(
        () => finish(handlerSet, started),
        (error: unknown) => finish(handlerSet, started, error as PluginError),
      );
    };
    // A handler set that claimed: the rest are skipped; once it completed, a redelivery skips them too.
    const claimedBy = (index: number) => {
      if (claimedAt === undefined && claim.by !== undefined) claimedAt = index;
    };
    /** Handlers and fallbacks from `from` on, one plugin after another, until one claims. */
    const inTurn = (from: number): Promise<void> | undefined => {
      for (let i = from; i < handlerSets.length; i += 1) {
        const handlerSet = handlerSets[i]!;
        if (claimedAt !== undefined && i > claimedAt) return undefined;
        if (handlerFailed && handlerSet.stage === 'fallback') return undefined;
        // A holder that lost the event starts nothing more: its new holder runs what is left.
        if (held !== undefined && !held()) return undefined;
        if (handlerSet.stage === 'observe' || (done !== undefined && done.has(handlerSet.record))) continue;
        const result = start(handlerSet);
        if (result !== undefined) return result.then(() => (claimedBy(i), inTurn(i + 1)));
        claimedBy(i);
      }
      return undefined;
    };
    // Observers first, side by side: they cannot claim, and see every event.
    for (const handlerSet of handlerSets) {
      if (handlerSet.stage !== 'observe' || (done !== undefined && done.has(handlerSet.record))) continue;
      const result = start(handlerSet);
      if (result !== undefined) pending.push(result);
    }
    const rest = inTurn(0);
    if (rest !== undefined) pending.push(rest);
    if (ran === 0 && errors.length === 0) return delivery.redelivery ? DUPLICATE : HANDLED;
    if (delivery.redelivery) telemetry.redelivered();
    if (pending.length === 0 && records.length === 0) return this.conclude(runtime, event, delivery, errors);
    return this.settle(runtime, event, delivery, errors, pending, records);
  }

  /** Waits for the handlers that returned promises, then for the store's records of them. */
  private async settle(
    runtime: AgentRuntime,
    event: RbmEvent,
    delivery: DeliveryInfo,
    errors: PluginError[],
    pending: readonly Promise<void>[],
    records: Promise<void>[],
  ): Promise<Finished> {
    if (pending.length === 1) await pending[0];
    else if (pending.length > 1) await Promise.all(pending);
    // Handlers finishing above may have added records.
    if (records.length > 0) await Promise.all(records);
    const concluded = this.conclude(runtime, event, delivery, errors);
    return isThenable(concluded) ? await concluded : concluded;
  }

  /** The outcome once every plugin ran: handled, or the failures reported and gathered. */
  private conclude(runtime: AgentRuntime, event: RbmEvent, delivery: DeliveryInfo, errors: PluginError[]): Finished | Promise<Finished> {
    if (errors.length === 0) return HANDLED;
    const plugins = errors.map((e) => e.plugin);
    const permanent = errors.every((e) => isPermanent(e.cause));
    const error = new AggregateError(errors, `plugins failed on ${event.type} event "${event.id}": ${plugins.join(', ')}`);
    return this.notices.reportFailure(runtime, { type: 'failed', event, error, plugins, permanent }, delivery).then(() =>
      failedOutcome(permanent ? 'failedPermanently' : 'failed', errors, delivery.attempt),
    );
  }
}
