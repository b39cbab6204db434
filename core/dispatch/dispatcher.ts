import type { Logger } from 'pino';
import { NO_FAILURES, type AgentRuntime } from './agent-runtime.js';
import type { Claim, ClaimOptions, DedupeStore } from '../stores/dedupe-store.js';
import { isPermanent } from '../errors.js';
import type { FailedNotice, Notice, RbmEvent, UnreachableNotice } from '../events/event-types.js';
import { maskPhone } from '../client/phone.js';
import { EVENT_GROUPS } from '../events/event-names.js';
import { EventContext, type DeliveryInfo, type SharedEventState } from '../plugin/handler-context.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import { isThenable, PluginError, runPluginHandlers, type HandlerLimit, type PluginHandlers } from './run-handlers.js';
import type { SharedDeadlines } from './deadline.js';
import type { Telemetry } from '../ops/telemetry.js';
import type { DeliverOptions, FailedOutcome, Outcome } from './outcome.js';

export type { DeliverOptions, FailedOutcome, Outcome } from './outcome.js';

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
/** True while this process still holds an event: made only when the store or the caller can lose it. */
type Held = () => boolean;
/** The delivery a notice about a send made outside any handler runs under. */
const NO_DELIVERY: DeliveryInfo = Object.freeze({ eventId: '', attempt: 1, redelivery: false });

/**
 * The dedupe key of an event: agent, user and the event's own id. Events with no id cannot be
 * deduplicated and get no key.
 *
 * @example
 * dedupeKey(event); // 'a@rbm.goog\u0000+12223334444\u0000MESSAGE_ID'
 */
export function dedupeKey(event: RbmEvent): string | undefined {
  return event.id === '' ? undefined : `${event.agentId}\u0000${event.phone ?? ''}\u0000${event.id}`;
}

const ignore = () => undefined;

/** What the dedupe store records, beside the plugin's own record, for the group that claimed an event. */
const CLAIM_MARK = '\u0000claimed:';

/** Where an earlier delivery's claim stands among `groups`, from the records of what completed. */
function claimMarkerIndex(groups: readonly PluginHandlers[], done: ReadonlySet<string> | undefined): number | undefined {
  if (done === undefined || done.size === 0) return undefined;
  for (let i = 0; i < groups.length; i += 1) if (done.has(`${CLAIM_MARK}${groups[i]!.record}`)) return i;
  return undefined;
}
/** What a notice no handler waits on resolves with: made once. */
const NOTHING_LEFT: Promise<void> = Promise.resolve();

/**
 * The outcome of a delivery whose plugins failed. `errors` (what each plugin threw, with stack
 * and cause) is not enumerable: an outcome that is logged or serialized carries the plugin names
 * only, never the errors by accident; ingress reads them on purpose.
 *
 * @example
 * failedOutcome('failed', [new PluginError('crm', new Error('db down'))]); // { status: 'failed', plugins: ['crm'] } (+ errors)
 */
export function failedOutcome(status: 'failed' | 'failedPermanently', errors: readonly PluginError[], attempt?: number): FailedOutcome {
  const outcome = { status, plugins: errors.map((error) => error.plugin), errors, attempt };
  // Read on purpose (ingress, the queue worker's retry count); never logged or serialized by accident.
  Object.defineProperty(outcome, 'errors', { enumerable: false });
  Object.defineProperty(outcome, 'attempt', { enumerable: false });
  return outcome as FailedOutcome;
}

/**
 * Hands events to an agent's plugins: each plugin at most once per event, across
 * redeliveries and concurrent duplicates; isolated from each other; failures gathered. Per
 * conversation (agent + user) events run one at a time in arrival order; conversations run
 * concurrently; past `maxInFlight` events, new ones are refused rather than queued.
 *
 * @example
 * const dispatcher = new Dispatcher({
 *   store: new MemoryDedupeStore(), client, log, sessions: new MemorySessionStore(),
 *   telemetry: new Telemetry(), handlerTimeoutMs: 10_000, handlerDeadlines: new SharedDeadlines(10), maxInFlight: 1_000,
 * });
 * const outcome = await dispatcher.deliver(runtime, event); // { status: 'handled' }
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  /** Events accepted and not finished (running or waiting their turn). */
  private accepted = 0;
  /** Who waits in `drain` for `accepted` to reach 0. */
  private idle: Array<() => void> = [];
  /**
   * The conversations (agent + user) with an event running, and the starts of their events
   * waiting their turn, oldest first (null: none waits). No promise chain per event.
   */
  private readonly conversations = new Map<string, Array<() => void> | null>();
  private readonly limit: HandlerLimit;
  /** Agent + user of the `unreachable` notices being handled now, and how many each. */
  private readonly unreachableNow = new Map<string, number>();

  constructor(private readonly deps: DispatcherDeps) {
    this.limit = { deadlines: deps.handlerDeadlines, ms: deps.handlerTimeoutMs };
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
    if (this.accepted >= this.deps.maxInFlight) return Promise.resolve(this.counted(event, OVERLOADED));
    this.accepted += 1;
    // Pinned from acceptance to the end of `run`: the registry never tears it down under this event.
    runtime.enter();
    // Marked before it runs: an event that finishes at once (a store and handlers that answer
    // at once) has already forgotten its key when inOrder returns, and must not be kept.
    if (key !== undefined) this.inFlight.set(key, STARTING);
    const outcome = this.inOrder(runtime, event, key, options);
    if (key !== undefined && this.inFlight.get(key) === STARTING) this.inFlight.set(key, outcome);
    return outcome;
  }

  /** Events accepted and not finished in this process (running or waiting their turn). */
  get inFlightCount(): number {
    return this.accepted;
  }

  /** Events a duplicate delivery would join now: those running or waiting their turn, never finished ones. */
  get joinableCount(): number {
    return this.inFlight.size;
  }

  /** Resolves once every event accepted so far is done. */
  async drain(): Promise<void> {
    while (this.accepted > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Forgets a finished event before anyone hears its outcome: a delivery made once the outcome
   * is known runs anew (against the store) rather than joining the finished one. Then starts
   * the next event of its conversation, if one waits.
   */
  private finished(key: string | undefined, conversation: string | undefined): void {
    if (key !== undefined) this.inFlight.delete(key);
    this.accepted -= 1;
    if (this.accepted === 0 && this.idle.length > 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
    if (conversation === undefined) return;
    const waiting = this.conversations.get(conversation);
    const next = waiting?.shift();
    if (next === undefined) {
      this.conversations.delete(conversation);
      return;
    }
    if (waiting!.length === 0) this.conversations.set(conversation, null);
    // On a fresh stack: a long queue of events that finish at once must not nest.
    queueMicrotask(next);
  }

  /** Runs the event after the conversation's earlier events; events with no user run at once. */
  private inOrder(runtime: AgentRuntime, event: RbmEvent, key: string | undefined, options: DeliverOptions | undefined): Promise<Outcome> {
    if (event.phone === undefined) return this.run(runtime, event, key, undefined, options);
    const conversation = `${event.agentId}\u0000${event.phone}`;
    const waiting = this.conversations.get(conversation);
    if (waiting === undefined) {
      this.conversations.set(conversation, null);
      return this.run(runtime, event, key, conversation, options);
    }
    return new Promise<Outcome>((resolve) => {
      const start = () => resolve(this.run(runtime, event, key, conversation, options));
      if (waiting === null) this.conversations.set(conversation, [start]);
      else waiting.push(start);
    });
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
          ? this.runGroups(runtime, event, key, done, delivery, unrecorded, NO_FAILURES, held)
          : runtime.ready().then((setupFailures) => this.runGroups(runtime, event, key, done, delivery, unrecorded, setupFailures, held));
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
          const heard = this.hear(runtime, { type: 'settled', event, outcome: outcome.status, failed, latencyMs, attempt }, event, delivery);
          if (heard !== undefined) await heard;
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
  private runGroups(
    runtime: AgentRuntime,
    event: RbmEvent,
    key: string | undefined,
    done: ReadonlySet<string> | undefined,
    delivery: DeliveryInfo,
    unrecorded: string[],
    setupFailures: ReadonlyMap<string, unknown>,
    held: Held | undefined,
  ): Finished | Promise<Finished> {
    const groups = runtime.handlersFor(event.type);
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
    // Which group claimed the event: by this delivery, or by an earlier one that completed it.
    let claimedAt = claimMarkerIndex(groups, done);
    const claim = { by: claimedAt === undefined ? undefined : groups[claimedAt]!.key };
    // A handler that failed may have been about to claim: no fallback answers this delivery as if no one had.
    let handlerFailed = false;
    const finish = (group: PluginHandlers, started: number, failure?: PluginError) => {
      if (timed) telemetry.handler(runtime.id, group.key, event.type, (performance.now() - started) / 1000);
      if (failure !== undefined) errors.push(failure);
      if (failure !== undefined && group.stage === 'handle') handlerFailed = true;
      // A permanent failure is final too: a redelivery must not run that plugin again.
      // A holder that lost the event records nothing: its new holder decides what completed.
      if (key === undefined || (failure !== undefined && !isPermanent(failure.cause)) || (held !== undefined && !held())) return;
      // The claim is recorded before the group's completion: a crash between the two never leaves "done, not claimed".
      if (failure === undefined && group.stage !== 'observe' && claimedAt === undefined && claim.by === group.key) record(`${CLAIM_MARK}${group.record}`);
      record(group.record);
    };
    /** Starts one group's handlers: undefined once they finished at once, else a promise of their end (never rejecting). */
    const start = (group: PluginHandlers): Promise<void> | undefined => {
      ran += 1;
      shared ??= { ...this.sharedFor(runtime, event, delivery, event.type, held), claim };
      const ctx = new EventContext(shared, group.key, group.stage);
      const started = timed ? performance.now() : 0;
      let result: Promise<void> | undefined;
      try {
        result = runPluginHandlers(group, event, ctx, this.limit);
      } catch (error) {
        finish(group, started, error as PluginError);
        return undefined;
      }
      if (result === undefined) {
        finish(group, started);
        return undefined;
      }
      return result.then(
        () => finish(group, started),
        (error: unknown) => finish(group, started, error as PluginError),
      );
    };
    // A group that claimed: the rest are skipped; once it completed, a redelivery skips them too.
    const claimedBy = (index: number) => {
      if (claimedAt === undefined && claim.by !== undefined) claimedAt = index;
    };
    /** Handlers and fallbacks from `from` on, one plugin after another, until one claims. */
    const inTurn = (from: number): Promise<void> | undefined => {
      for (let i = from; i < groups.length; i += 1) {
        const group = groups[i]!;
        if (claimedAt !== undefined && i > claimedAt) return undefined;
        if (handlerFailed && group.stage === 'fallback') return undefined;
        // A holder that lost the event starts nothing more: its new holder runs what is left.
        if (held !== undefined && !held()) return undefined;
        if (group.stage === 'observe' || (done !== undefined && done.has(group.record))) continue;
        const result = start(group);
        if (result !== undefined) return result.then(() => (claimedBy(i), inTurn(i + 1)));
        claimedBy(i);
      }
      return undefined;
    };
    // Observers first, side by side: they cannot claim, and see every event.
    for (const group of groups) {
      if (group.stage !== 'observe' || (done !== undefined && done.has(group.record))) continue;
      const result = start(group);
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
    return this.reportFailure(runtime, { type: 'failed', event, error, plugins, permanent }, delivery).then(() =>
      failedOutcome(permanent ? 'failedPermanently' : 'failed', errors, delivery.attempt),
    );
  }

  private async reportFailure(runtime: AgentRuntime, notice: FailedNotice, delivery: DeliveryInfo): Promise<void> {
    await this.notify(runtime, notice, notice.event, delivery, () => {
      const level = notice.permanent ? 'warn' : 'error';
      this.deps.log[level]({ err: notice.error, agentId: runtime.id, type: notice.event.type, plugins: notice.plugins }, notice.error.message);
    });
  }

  /**
   * Hands a notice (`failed`, `rejected`, `settled`…) to the plugins subscribed to it; when none
   * is, `unheard` runs instead (the core logs it), so a notice is never silent. Notice
   * handlers' own failures are logged, never notified again.
   *
   * @example
   * await dispatcher.notify(runtime, rejectedNotice, undefined, { eventId: '', attempt: 1, redelivery: false }, () =>
   *   log.warn('request rejected'),
   * );
   */
  notify(
    runtime: AgentRuntime,
    notice: Notice,
    event: RbmEvent | undefined,
    delivery: DeliveryInfo,
    unheard?: () => void,
  ): Promise<void> {
    try {
      const heard = runtime.isReady
        ? this.hear(runtime, notice, event, delivery, unheard)
        : runtime.ready().then(() => this.hear(runtime, notice, event, delivery, unheard));
      return heard ?? NOTHING_LEFT;
    } catch (error) {
      // As a rejection, like any failure of an asynchronous notice.
      return Promise.reject(error);
    }
  }

  /** {@link Dispatcher.notify} once the runtime is ready: undefined when every handler returned at once. */
  private hear(runtime: AgentRuntime, notice: Notice, event: RbmEvent | undefined, delivery: DeliveryInfo, unheard?: () => void): Promise<void> | undefined {
    const groups = runtime.handlersFor(notice.type);
    if (groups.length === 0) {
      unheard?.();
      return undefined;
    }
    return this.runNotice(runtime, notice, groups, this.sharedFor(runtime, event, delivery, notice.type));
  }

  /**
   * Hands an `unreachable` notice (a message Google refused with 404) to the agent's plugins;
   * when none listens, logs it once. A send made while a notice for the same agent and user is
   * being handled is not notified again when `fromClient` (it went through `agent.client`, which
   * cannot tell what it was sent for); `ctx.reply` tells by itself, and never notifies from an
   * `unreachable` handler. Sends from the notice's handlers get ids named after the failed message.
   *
   * @example
   * await dispatcher.reportUnreachable(runtime, notice, ctx.delivery, false);
   */
  async reportUnreachable(runtime: AgentRuntime, notice: UnreachableNotice, delivery: DeliveryInfo | undefined, fromClient: boolean): Promise<void> {
    const user = `${runtime.id}\u0000${notice.phone}`;
    if (fromClient && this.unreachableNow.has(user)) return;
    this.unreachableNow.set(user, (this.unreachableNow.get(user) ?? 0) + 1);
    try {
      // A send from a plugin's setup: its handlers are not subscribed yet, and ready() would
      // wait for the setup that waits for this send. Logged, never awaited.
      const duringSetup = runtime.settingUp;
      if (!duringSetup) await runtime.ready();
      const groups = duringSetup ? [] : runtime.handlersFor('unreachable');
      if (groups.length === 0) {
        this.deps.log.warn(
          { agentId: runtime.id, phone: maskPhone(notice.phone), messageId: notice.messageId, plugin: notice.plugin, eventId: notice.event?.id },
          'a message was not sent: the user cannot get RCS (Google answered 404); no plugin listens to "unreachable" to fall back (to SMS, say)',
        );
        return;
      }
      const shared: SharedEventState = {
        ...this.sharedFor(runtime, notice.event, delivery ?? NO_DELIVERY, 'unreachable'),
        phone: notice.phone,
        userMessageId: undefined,
        idSeed: `${user}\u0000unreachable\u0000${notice.messageId}`,
      };
      await this.runNotice(runtime, notice, groups, shared);
    } finally {
      const left = this.unreachableNow.get(user)! - 1;
      if (left === 0) this.unreachableNow.delete(user);
      else this.unreachableNow.set(user, left);
    }
  }

  /** Runs a notice's handlers, each isolated; their failures are logged, never notified. Undefined when all returned at once. */
  private runNotice(runtime: AgentRuntime, notice: Notice, groups: readonly PluginHandlers[], shared: SharedEventState): Promise<void> | undefined {
    const failed = (error: unknown) => this.deps.log.error({ err: error, agentId: runtime.id, notice: notice.type }, 'a notice handler failed');
    const pending: Promise<void>[] = [];
    for (const group of groups) {
      const ctx = new EventContext(shared, group.key, group.stage);
      try {
        const result = runPluginHandlers(group, notice, ctx, this.limit);
        if (result !== undefined) pending.push(result.catch(failed));
      } catch (error) {
        failed(error);
      }
    }
    if (pending.length === 0) return undefined;
    return pending.length === 1 ? pending[0] : Promise.all(pending).then(ignore);
  }

  /**
   * The client an event's handlers answer through: the agent's own (`agents.<id>.client`), else
   * the client of the webhook the event arrived at (a Business Messages webhook's), else the
   * bot's. Notices with no event use the agent's own or the bot's.
   */
  private clientFor(runtime: AgentRuntime, event: RbmEvent | undefined): RbmClient {
    if (runtime.hasOwnClient || event === undefined || this.deps.webhookClient === undefined) return runtime.client;
    return this.deps.webhookClient(event.push.webhook) ?? runtime.client;
  }

  /** What every plugin's context shares for one event (or notice). */
  private sharedFor(runtime: AgentRuntime, event: RbmEvent | undefined, delivery: DeliveryInfo, purpose: string, held?: Held): SharedEventState {
    return {
      held,
      agentId: runtime.id,
      phone: event?.phone,
      userMessageId: event !== undefined && EVENT_GROUPS[event.type] === 'message' ? event.messageId : undefined,
      delivery,
      client: this.clientFor(runtime, event),
      log: runtime.log,
      sessions: this.deps.sessions,
      // The event's identity is its dedupe key: the same for every redelivery of it.
      idSeed: event === undefined ? undefined : dedupeKey(event),
      purpose,
      eventId: event?.id,
      event,
      runtime,
    };
  }
}

/**
 * Whether this process still holds the event, asked before each record and each send: both
 * the store's lease and the caller's hold must stand. Undefined (nothing to ask) when neither
 * can be lost, as with the in-memory store in direct mode.
 *
 * @example
 * const held = heldBy(store, key, { current: () => delivery.current() });
 * if (held !== undefined && !held()) return LOST;
 */
function heldBy(store: DedupeStore, key: string | undefined, options: DeliverOptions | undefined): Held | undefined {
  const current = options?.current;
  const leased = key !== undefined && store.holds !== undefined ? key : undefined;
  if (leased === undefined) return current;
  return current === undefined ? () => store.holds!(leased) : () => store.holds!(leased) && current();
}
