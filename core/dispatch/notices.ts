import type { Logger } from 'pino';
import type { AgentRuntime } from './agent-runtime.js';
import type { FailedNotice, Notice, RbmEvent, UnreachableNotice } from '../events/event-types.js';
import { maskPhone } from '../client/phone.js';
import { EventContext, sharedEventState, type DeliveryInfo, type HandlerStateDeps, type SharedEventState } from '../plugin/handler-context.js';
import { runPluginHandlers, type HandlerLimit, type PluginHandlers } from './run-handlers.js';

/** What {@link Notices} works with: the bot's own. */
export interface NoticesDeps extends HandlerStateDeps {
  readonly log: Logger;
  /** How long one notice handler may run, on the bot's timer. */
  readonly limit: HandlerLimit;
}

/** What a notice no handler waits on resolves with: made once. */
const NOTHING_LEFT: Promise<void> = Promise.resolve();
/** The delivery a notice about a send made outside any handler runs under. */
const NO_DELIVERY: DeliveryInfo = Object.freeze({ eventId: '', attempt: 1, redelivery: false });
const ignore = () => undefined;

/**
 * Delivers notices (`failed`, `rejected`, `settled`, `unreachable`…) to the plugins subscribed
 * to them, each plugin isolated. A notice nobody listens to is never silent: the caller's
 * `whenNobodyListens` runs instead (the core logs it). Notice handlers' own failures are
 * logged, never notified again.
 *
 * @example
 * const notices = new Notices({ log, sessions, limit: { deadlines: new SharedDeadlines(10), ms: 10_000 } });
 * await notices.notify(runtime, rejectedNotice, undefined, { eventId: '', attempt: 1, redelivery: false }, () => log.warn('request rejected'));
 */
export class Notices {
  /** Agent + user of the `unreachable` notices being handled now, and how many each. */
  private readonly unreachableNow = new Map<string, number>();

  constructor(private readonly deps: NoticesDeps) {}

  /**
   * Hands a notice to the plugins subscribed to it, once the runtime's setups ran; when none
   * is, `whenNobodyListens` runs instead.
   *
   * @example
   * await notices.notify(runtime, rejectedNotice, undefined, { eventId: '', attempt: 1, redelivery: false }, () =>
   *   log.warn('request rejected'),
   * );
   */
  notify(runtime: AgentRuntime, notice: Notice, event: RbmEvent | undefined, delivery: DeliveryInfo, whenNobodyListens?: () => void): Promise<void> {
    try {
      const notified = runtime.isReady
        ? this.notifySubscribed(runtime, notice, event, delivery, whenNobodyListens)
        : runtime.ready().then(() => this.notifySubscribed(runtime, notice, event, delivery, whenNobodyListens));
      return notified ?? NOTHING_LEFT;
    } catch (error) {
      // As a rejection, like any failure of an asynchronous notice.
      return Promise.reject(error);
    }
  }

  /**
   * {@link Notices.notify} without waiting for setups: to the handlers subscribed now.
   * Undefined when every handler returned at once.
   *
   * @example
   * const notified = notices.notifySubscribed(runtime, settledNotice, event, delivery);
   * if (notified !== undefined) await notified;
   */
  notifySubscribed(
    runtime: AgentRuntime,
    notice: Notice,
    event: RbmEvent | undefined,
    delivery: DeliveryInfo,
    whenNobodyListens?: () => void,
  ): Promise<void> | undefined {
    const handlerSets = runtime.handlersFor(notice.type);
    if (handlerSets.length === 0) {
      whenNobodyListens?.();
      return undefined;
    }
    return this.runHandlers(runtime, notice, handlerSets, sharedEventState(this.deps, runtime, event, delivery, notice.type));
  }

  /**
   * Hands a `failed` notice (an event's plugins failed) to the agent's plugins; when none
   * listens, logs the failure: at error level, warn when every failure was permanent.
   *
   * @example
   * await notices.reportFailure(runtime, { type: 'failed', event, error, plugins: ['crm'], permanent: false }, delivery);
   */
  async reportFailure(runtime: AgentRuntime, notice: FailedNotice, delivery: DeliveryInfo): Promise<void> {
    await this.notify(runtime, notice, notice.event, delivery, () => {
      const level = notice.permanent ? 'warn' : 'error';
      this.deps.log[level]({ err: notice.error, agentId: runtime.id, type: notice.event.type, plugins: notice.plugins }, notice.error.message);
    });
  }

  /**
   * Hands an `unreachable` notice (a message Google refused with 404) to the agent's plugins;
   * when none listens, logs it once. A send made while a notice for the same agent and user is
   * being handled is not notified again when `fromClient` (it went through `agent.client`, which
   * cannot tell what it was sent for); `ctx.reply` tells by itself, and never notifies from an
   * `unreachable` handler. Sends from the notice's handlers get ids named after the failed message.
   *
   * @example
   * await notices.reportUnreachable(runtime, notice, ctx.delivery, false);
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
      const handlerSets = duringSetup ? [] : runtime.handlersFor('unreachable');
      if (handlerSets.length === 0) {
        this.deps.log.warn(
          { agentId: runtime.id, phone: maskPhone(notice.phone), messageId: notice.messageId, plugin: notice.plugin, eventId: notice.event?.id },
          'a message was not sent: the user cannot get RCS (Google answered 404); no plugin listens to "unreachable" to fall back (to SMS, say)',
        );
        return;
      }
      const shared: SharedEventState = {
        ...sharedEventState(this.deps, runtime, notice.event, delivery ?? NO_DELIVERY, 'unreachable'),
        phone: notice.phone,
        userMessageId: undefined,
        idSeed: `${user}\u0000unreachable\u0000${notice.messageId}`,
      };
      await this.runHandlers(runtime, notice, handlerSets, shared);
    } finally {
      const left = this.unreachableNow.get(user)! - 1;
      if (left === 0) this.unreachableNow.delete(user);
      else this.unreachableNow.set(user, left);
    }
  }

  /** Runs a notice's handlers, each plugin isolated; their failures are logged, never notified. Undefined when all returned at once. */
  private runHandlers(runtime: AgentRuntime, notice: Notice, handlerSets: readonly PluginHandlers[], shared: SharedEventState): Promise<void> | undefined {
    const failed = (error: unknown) => this.deps.log.error({ err: error, agentId: runtime.id, notice: notice.type }, 'a notice handler failed');
    const pending: Promise<void>[] = [];
    for (const handlerSet of handlerSets) {
      const ctx = new EventContext(shared, handlerSet.key, handlerSet.stage);
      try {
        const result = runPluginHandlers(handlerSet, notice, ctx, this.deps.limit);
        if (result !== undefined) pending.push(result.catch(failed));
      } catch (error) {
        failed(error);
      }
    }
    if (pending.length === 0) return undefined;
    return pending.length === 1 ? pending[0] : Promise.all(pending).then(ignore);
  }
}
