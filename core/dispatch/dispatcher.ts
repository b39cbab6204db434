import type { Logger } from 'pino';
import type { AgentRuntime } from './agent-runtime.js';
import type { Claim, DedupeStore } from '../stores/dedupe-store.js';
import { isPermanent } from '../errors.js';
import type { FailedNotice, RbmEvent, RejectedNotice, SettledNotice } from '../events/event-types.js';
import { EVENT_GROUPS } from '../events/event-names.js';
import { EventContext, type DeliveryInfo, type EventScope } from '../plugin/handler-context.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import { PluginError, runPluginHandlers, type PluginHandlers } from './run-handlers.js';
import type { BotMetrics } from '../ops/metrics.js';
import type { BotStats } from '../ops/stats.js';

/** What became of one delivery of an event. */
export type Outcome =
  | { readonly status: 'handled' }
  /** Seen before and nothing was left to do. */
  | { readonly status: 'duplicate' }
  /** Some plugins failed; a redelivery runs only those again. */
  | { readonly status: 'failed'; readonly plugins: readonly string[] }
  /** Every failure was permanent: reported, and not worth a redelivery. */
  | { readonly status: 'failedPermanently'; readonly plugins: readonly string[] }
  /** Another process is handling this event right now. */
  | { readonly status: 'busy' }
  /** Too many events in flight in this process: refused before any work. */
  | { readonly status: 'overloaded' }
  /** The dedupe store did not answer: nothing was dispatched, or a completion could not be recorded. */
  | { readonly status: 'storeUnavailable'; readonly message: string };

interface DispatcherDeps {
  readonly store: DedupeStore;
  readonly client: RbmClient;
  readonly log: Logger;
  readonly stats: BotStats;
  readonly handlerTimeoutMs: number;
  /** Events accepted and not yet finished (running or waiting their turn), at most. */
  readonly maxInFlight: number;
  readonly sessions: SessionStore;
  readonly metrics?: BotMetrics;
}

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

/**
 * Hands events to an agent's plugins: each plugin at most once per event, across
 * redeliveries and concurrent duplicates; isolated from each other; failures gathered. Per
 * conversation (agent + user) events run one at a time in arrival order; conversations run
 * concurrently; past `maxInFlight` events, new ones are refused rather than queued.
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  private readonly running = new Set<Promise<Outcome>>();
  private readonly conversations = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * Delivers one verified event to the runtime's plugins.
   *
   * @example
   * const outcome = await dispatcher.deliver(registry.runtime(event.agentId), event);
   */
  deliver(runtime: AgentRuntime, event: RbmEvent): Promise<Outcome> {
    const outcome = this.accept(runtime, event);
    const metrics = this.deps.metrics;
    if (metrics !== undefined) void outcome.then((o) => metrics.countOutcome(event.agentId, o.status), ignore);
    return outcome;
  }

  private accept(runtime: AgentRuntime, event: RbmEvent): Promise<Outcome> {
    const key = dedupeKey(event);
    if (key !== undefined) {
      const running = this.inFlight.get(key);
      if (running !== undefined) {
        this.deps.stats.duplicate += 1;
        // Joined, not rerun: the answer is the first delivery's.
        return running.then((outcome) => (outcome.status === 'handled' ? { status: 'duplicate' } : outcome));
      }
    }
    if (this.running.size >= this.deps.maxInFlight) {
      this.deps.stats.overloaded += 1;
      return Promise.resolve({ status: 'overloaded' });
    }
    const outcome = this.inOrder(event, () => this.run(runtime, event, key));
    this.running.add(outcome);
    if (key !== undefined) this.inFlight.set(key, outcome);
    void outcome.then(ignore, ignore).then(() => {
      this.running.delete(outcome);
      if (key !== undefined) this.inFlight.delete(key);
    });
    return outcome;
  }

  /** Events accepted and not finished in this process (running or waiting their turn). */
  get inFlightCount(): number {
    return this.running.size;
  }

  /** Resolves once every event accepted so far is done. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Runs `task` after the conversation's earlier events; events with no user run at once. */
  private inOrder(event: RbmEvent, task: () => Promise<Outcome>): Promise<Outcome> {
    if (event.phone === undefined) return task();
    const conversation = `${event.agentId}\u0000${event.phone}`;
    const previous = this.conversations.get(conversation);
    const result = previous === undefined ? task() : previous.then(task);
    const tail = result.then(ignore, ignore);
    this.conversations.set(conversation, tail);
    void tail.then(() => {
      if (this.conversations.get(conversation) === tail) this.conversations.delete(conversation);
    });
    return result;
  }

  private async run(runtime: AgentRuntime, event: RbmEvent, key: string | undefined): Promise<Outcome> {
    const { store, stats } = this.deps;
    let claim: Claim | undefined;
    try {
      claim = key === undefined ? undefined : await store.claim(key);
    } catch (error) {
      this.deps.log.error({ err: error, agentId: event.agentId, eventId: event.id }, 'the dedupe store failed: answering 503, nothing dispatched');
      return { status: 'storeUnavailable', message: (error as Error).message };
    }
    if (claim?.busy === true) {
      stats.duplicate += 1;
      return { status: 'busy' };
    }
    const attempt = claim?.attempt ?? 1;
    const delivery: DeliveryInfo = { pushId: event.delivery.pushId, eventId: event.id, attempt, redelivery: attempt > 1 };
    try {
      const unrecorded: string[] = [];
      const outcome = await this.dispatch(runtime, event, key, claim?.completed, delivery, unrecorded);
      if (unrecorded.length > 0) {
        const message = `could not record that plugins ${unrecorded.join(', ')} completed; a redelivery may run them again`;
        this.deps.log.error({ agentId: event.agentId, eventId: event.id, plugins: unrecorded }, message);
        return { status: 'storeUnavailable', message };
      }
      stats[outcome.status === 'failedPermanently' ? 'failed' : outcome.status] += 1;
      if (runtime.handlersFor('settled').length > 0) {
        const failed = outcome.status === 'failed' || outcome.status === 'failedPermanently' ? outcome.plugins : [];
        const latencyMs = Date.now() - event.delivery.receivedAt;
        await this.notify(runtime, { type: 'settled', event, outcome: outcome.status, failed, latencyMs, attempt }, event, delivery);
      }
      return outcome;
    } finally {
      if (key !== undefined) {
        await store.release(key).catch((error: unknown) => this.deps.log.warn({ err: error, eventId: event.id }, 'releasing an event failed; its lease will lapse'));
      }
    }
  }

  /** Runs the plugins that have not completed this event yet. */
  private async dispatch(
    runtime: AgentRuntime,
    event: RbmEvent,
    key: string | undefined,
    done: ReadonlySet<string> | undefined,
    delivery: DeliveryInfo,
    unrecorded: string[],
  ): Promise<Exclude<Outcome, { status: 'busy' | 'overloaded' | 'storeUnavailable' }>> {
    const setupFailures = await runtime.ready();
    const groups = runtime.handlersFor(event.type);
    const errors: PluginError[] = [];
    for (const [plugin, error] of setupFailures) if (done === undefined || !done.has(plugin)) errors.push(new PluginError(plugin, error));
    let scope: EventScope | undefined;
    const metrics = this.deps.metrics;
    const pending: Promise<void>[] = [];
    const records: Promise<void>[] = [];
    let ran = 0;
    const finish = (group: PluginHandlers, started: number, failure?: PluginError) => {
      if (metrics !== undefined) metrics.observeHandler(runtime.id, group.key, event.type, (performance.now() - started) / 1000);
      if (failure !== undefined) errors.push(failure);
      // A permanent failure is final too: a redelivery must not run that plugin again.
      if (key !== undefined && (failure === undefined || isPermanent(failure.cause))) {
        records.push(this.deps.store.complete(key, group.key).catch(() => void unrecorded.push(group.key)));
      }
    };
    for (const group of groups) {
      if (done !== undefined && done.has(group.key)) continue;
      ran += 1;
      scope ??= this.scopeFor(runtime, event, delivery, event.type);
      const ctx = new EventContext(scope, group.key);
      const started = metrics === undefined ? 0 : performance.now();
      let result: Promise<void> | undefined;
      try {
        result = runPluginHandlers(group, event, ctx, this.deps.handlerTimeoutMs, (reason) => ctx.abort(reason));
      } catch (error) {
        finish(group, started, error as PluginError);
        continue;
      }
      if (result === undefined) finish(group, started);
      else pending.push(result.then(() => finish(group, started), (error: unknown) => finish(group, started, error as PluginError)));
    }
    if (ran === 0 && errors.length === 0) return { status: delivery.redelivery ? 'duplicate' : 'handled' };
    if (delivery.redelivery) this.deps.stats.redelivered += 1;
    if (pending.length > 0) await Promise.all(pending);
    if (records.length > 0) await Promise.all(records);
    if (errors.length === 0) return { status: 'handled' };
    const plugins = errors.map((e) => e.plugin);
    const permanent = errors.every((e) => isPermanent(e.cause));
    const error = new AggregateError(errors, `plugins failed on ${event.type} event "${event.id}": ${plugins.join(', ')}`);
    await this.reportFailure(runtime, { type: 'failed', event, error, plugins, permanent }, delivery);
    return { status: permanent ? 'failedPermanently' : 'failed', plugins };
  }

  private async reportFailure(runtime: AgentRuntime, notice: FailedNotice, delivery: DeliveryInfo): Promise<void> {
    await this.notify(runtime, notice, notice.event, delivery, () => {
      const level = notice.permanent ? 'warn' : 'error';
      this.deps.log[level]({ err: notice.error, agentId: runtime.id, type: notice.event.type, plugins: notice.plugins }, notice.error.message);
    });
  }

  /**
   * Hands a notice (`failed`, `rejected`, `settled`) to the plugins subscribed to it; when none
   * is, `unheard` runs instead (the core logs it), so a notice is never silent. Notice
   * handlers' own failures are logged, never notified again.
   */
  async notify(
    runtime: AgentRuntime,
    notice: RejectedNotice | FailedNotice | SettledNotice,
    event: RbmEvent | undefined,
    delivery: DeliveryInfo,
    unheard?: () => void,
  ): Promise<void> {
    await runtime.ready();
    const groups = runtime.handlersFor(notice.type);
    if (groups.length === 0) {
      unheard?.();
      return;
    }
    const scope = this.scopeFor(runtime, event, delivery, notice.type);
    const failed = (error: unknown) => this.deps.log.error({ err: error, agentId: runtime.id, notice: notice.type }, 'a notice handler failed');
    const pending: Promise<void>[] = [];
    for (const group of groups) {
      const ctx = new EventContext(scope, group.key);
      try {
        const result = runPluginHandlers(group, notice, ctx, this.deps.handlerTimeoutMs, (reason) => ctx.abort(reason));
        if (result !== undefined) pending.push(result.catch(failed));
      } catch (error) {
        failed(error);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
  }

  /** What every plugin's context shares for one event (or notice). */
  private scopeFor(runtime: AgentRuntime, event: RbmEvent | undefined, delivery: DeliveryInfo, purpose: string): EventScope {
    return {
      agentId: runtime.id,
      phone: event?.phone,
      userMessageId: event !== undefined && EVENT_GROUPS[event.type] === 'message' ? event.messageId : undefined,
      delivery,
      client: this.deps.client,
      log: runtime.log,
      sessions: this.deps.sessions,
      // The event's identity is its dedupe key: the same for every redelivery of it.
      idSeed: event === undefined ? undefined : dedupeKey(event),
      purpose,
      eventId: event?.id,
    };
  }
}
