import { randomUUID } from 'node:crypto';
import { nameDigest, nameUuid } from './reply-ids.js';
import type { Logger } from 'pino';
import type { AgentEvent, AgentMessage, ContentMessage } from '../client/agent-message.js';
import type { RbmClient, SendEventRequest, SendMessageRequest } from '../client/rbm-client.js';
import { UserNotReachableError } from '../client/rbm-api-errors.js';
import type { RbmEvent, UnreachableNotice } from '../events/event-types.js';
import { sessionFor, type Session, type SessionStore } from '../stores/session-store.js';
import { unreachableNotice } from './unreachable-notice.js';
import { EventTakenOverError } from '../errors.js';
import { EVENT_GROUPS } from '../events/event-names.js';
import { dedupeKey } from '../dispatch/dedupe-key.js';
import type { Stage } from './stage.js';

/** What a handler may reply: plain text, a content message (text, card, file… with suggestions), or a whole AgentMessage. */
export type ReplyInput = string | ContentMessage | AgentMessage;

/** Which delivery of an event a handler is running for. */
export interface DeliveryInfo {
  /** Pub/Sub's id of the push being handled. */
  readonly pushId?: string;
  /** The event's own id (its messageId, else eventId). */
  readonly eventId: string;
  /** 1 for the first delivery of this event, 2 for the first redelivery, … */
  readonly attempt: number;
  /** True when this event was seen before (Google redelivered it, or sent it twice). */
  readonly redelivery: boolean;
}

/** The second argument of every handler. */
export interface HandlerContext {
  readonly agentId: string;
  /**
   * The user's address: their E.164 phone number (RBM), or the conversation id on a Business
   * Messages event (`event.dialect === 'business-messages'`). Undefined for events about no
   * user (agent launch, notices).
   */
  readonly phone: string | undefined;
  readonly delivery: DeliveryInfo;
  /** A child logger bound to agent, plugin and event. */
  readonly log: Logger;
  /** Aborted when the handler's time limit passes: hand it to fetch and timers. */
  readonly signal: AbortSignal;
  readonly client: RbmClient;
  /**
   * This plugin's state for this conversation (agent + user), in the bot's session store
   * (memory, or Redis shared by every process). Only for events from a user.
   *
   * @example
   * const visits = ((await ctx.session.get<number>()) ?? 0) + 1;
   * await ctx.session.set(visits);
   */
  readonly session: Session;
  /**
   * Sends a message to the user who caused this event. If the handler runs again for the same
   * event (a redelivery after a failure), its n-th reply reuses the id of the first run's n-th
   * reply, so a reply that did reach Google is not sent twice.
   *
   * @example
   * await ctx.reply('Hello');
   * await ctx.reply({ text: 'Pick one', suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }] });
   */
  reply(message: ReplyInput): Promise<{ readonly messageId: string }>;
  /**
   * Marks the user's message read (the blue ticks). Only for user messages.
   *
   * @example
   * await ctx.markRead();
   */
  markRead(): Promise<void>;
  /**
   * Shows the typing indicator to the user for about 20 seconds.
   *
   * @example
   * await ctx.typing();
   */
  typing(): Promise<void>;
  /**
   * Says "handled, stop here": the plugins after this one in the agent's list, and every
   * `fallback` handler, do not get this event (`observe` handlers already had it). Kept
   * across redeliveries once this plugin completed the event. Only from `handle` and
   * `fallback` handlers of events; elsewhere it throws.
   *
   * @example
   * agent.on('text', async (event, ctx) => {
   *   if (event.text !== 'menu') return;
   *   await ctx.reply('Today: pho');
   *   ctx.claim();
   * });
   */
  claim(): void;
  /** The key of the plugin that claimed this event so far, if any (see {@link HandlerContext.claim}). */
  readonly claimedBy: string | undefined;
}

/**
 * Turns any reply input into the AgentMessage the API takes.
 *
 * @example
 * toAgentMessage('hi'); // { contentMessage: { text: 'hi' } }
 */
export function toAgentMessage(input: ReplyInput): AgentMessage {
  if (typeof input === 'string') return { contentMessage: { text: input } };
  if ('contentMessage' in input) return input;
  return { contentMessage: input };
}

/**
 * What every plugin's context for one event (or notice) shares: built once per event, by
 * {@link sharedEventState}. (Not to be confused with `agent.scope`, which says agent or partner.)
 */
export interface SharedEventState {
  readonly agentId: string;
  readonly phone: string | undefined;
  /** The user message's id, for `markRead`. */
  readonly userMessageId: string | undefined;
  readonly delivery: DeliveryInfo;
  readonly client: RbmClient;
  /** The agent's logger; each plugin's child is made only if a handler logs. */
  readonly log: Logger;
  readonly sessions: SessionStore;
  /**
   * Names the event (agent, user, event id): with the plugin, the n-th send of a rerun gets
   * the same id as the n-th send of the first run, so Google drops the copy. Undefined when
   * the event has no id.
   */
  readonly idSeed: string | undefined;
  /** The event type or notice the handlers run for, for logs and ids. */
  readonly purpose: string;
  /** The event's own id, for logs. */
  readonly eventId: string | undefined;
  /** The event itself, for notices about what its handlers did (`unreachable`). */
  readonly event?: RbmEvent | undefined;
  /** The agent's runtime: where `unreachable` notices go, and each plugin's view of the client. */
  readonly runtime?: AgentScope | undefined;
  /** False once this process lost the event to another holder: its sends are refused. Undefined when it cannot be lost. */
  readonly held?: (() => boolean) | undefined;
  /** Who claimed the event (see {@link HandlerContext.claim}); undefined for notices, which cannot be claimed. */
  readonly claim?: { by: string | undefined } | undefined;
}

/** What a context needs of the agent's runtime. */
export interface AgentScope {
  /** Hands an `unreachable` notice to the agent's plugins; resolves once they handled it. */
  reportUnreachable(notice: UnreachableNotice, delivery?: DeliveryInfo): Promise<void>;
  /** The agent's client: its own, else the bot's. */
  readonly client: RbmClient;
  /** The client plugin `key` sees (reporting unreachable users). */
  clientFor(key: string): RbmClient;
}

/** What the state an event's handlers share needs of the agent's runtime, beyond {@link AgentScope}. */
export interface HandlerRuntime extends AgentScope {
  readonly id: string;
  /** The agent's logger. */
  readonly log: Logger;
  /** Whether the agent has a client of its own, which wins over a webhook's client. */
  readonly hasOwnClient: boolean;
}

/** The bot's parts that the state an event's handlers share is made with. */
export interface HandlerStateDeps {
  readonly sessions: SessionStore;
  /** The client of the webhook at a path, when it has its own (a Business Messages webhook's BmClient). */
  readonly webhookClient?: ((path: string) => RbmClient | undefined) | undefined;
}

/**
 * The client an event's handlers answer through: the agent's own (`agents.<id>.client`), else
 * the client of the webhook the event arrived at (a Business Messages webhook's), else the
 * bot's. Notices with no event use the agent's own or the bot's.
 *
 * @example
 * handlerClient(runtime, event, (path) => bmWebhooks.get(path)?.client); // the webhook's BmClient, unless the agent has its own
 */
export function handlerClient(runtime: HandlerRuntime, event: RbmEvent | undefined, webhookClient?: (path: string) => RbmClient | undefined): RbmClient {
  if (runtime.hasOwnClient || event === undefined || webhookClient === undefined) return runtime.client;
  return webhookClient(event.push.webhook) ?? runtime.client;
}

/**
 * What every plugin's context shares for one event (or notice), made once per event. `held`:
 * whether this process still holds the event, when it can lose it.
 *
 * @example
 * const shared = sharedEventState({ sessions }, runtime, event, delivery, event.type);
 * await handler(event, new EventContext(shared, 'echo'));
 */
export function sharedEventState(
  deps: HandlerStateDeps,
  runtime: HandlerRuntime,
  event: RbmEvent | undefined,
  delivery: DeliveryInfo,
  purpose: string,
  held?: () => boolean,
): SharedEventState {
  return {
    held,
    agentId: runtime.id,
    phone: event?.phone,
    userMessageId: event !== undefined && EVENT_GROUPS[event.type] === 'message' ? event.messageId : undefined,
    delivery,
    client: handlerClient(runtime, event, deps.webhookClient),
    log: runtime.log,
    sessions: deps.sessions,
    // The event's identity is its dedupe key: the same for every redelivery of it.
    idSeed: event === undefined ? undefined : dedupeKey(event),
    purpose,
    eventId: event?.id,
    event,
    runtime,
  };
}

/**
 * The context one plugin's handlers get for one event: three fields, the rest (logger, abort
 * signal, session, reply ids) made on first use.
 *
 * @example
 * const ctx = new EventContext(shared, 'echo'); // shared: built once per event by the dispatcher
 * await handler(event, ctx);
 */
export class EventContext implements HandlerContext {
  private logger: Logger | undefined;
  private controller: AbortController | undefined;
  private abortReason: Error | undefined;
  private sends = 0;
  private idDigest: Buffer | undefined;
  private sessionHandle: Session | undefined;

  constructor(
    private readonly shared: SharedEventState,
    private readonly plugin: string,
    private readonly stage: Stage = 'handle',
  ) {}

  claim(): void {
    const claim = this.shared.claim;
    if (claim === undefined || this.stage === 'observe') {
      throw new TypeError(`ctx.claim(): expected a "handle" or "fallback" handler of an event; this is ${claim === undefined ? `the "${this.shared.purpose}" notice` : 'an "observe" handler'}, which cannot claim`);
    }
    claim.by ??= this.plugin;
  }

  get claimedBy(): string | undefined {
    return this.shared.claim?.by;
  }

  get agentId(): string {
    return this.shared.agentId;
  }

  get phone(): string | undefined {
    return this.shared.phone;
  }

  get delivery(): DeliveryInfo {
    return this.shared.delivery;
  }

  get client(): RbmClient {
    const runtime = this.shared.runtime;
    // The agent's client reports unreachable users; a webhook's own client (Business Messages) is handed as it is.
    return runtime !== undefined && this.shared.client === runtime.client ? runtime.clientFor(this.plugin) : this.shared.client;
  }

  get session(): Session {
    return (this.sessionHandle ??= sessionFor(this.shared.sessions, `${this.shared.agentId}|${this.userPhone('session')}|${this.plugin}`));
  }

  get log(): Logger {
    return (this.logger ??= this.shared.log.child({ plugin: this.plugin, event: this.shared.purpose, eventId: this.shared.eventId }));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts `signal` (made only if a handler asked for it). */
  abort(reason: Error): void {
    this.abortReason ??= reason;
    this.controller?.abort(reason);
  }

  /** The id of this run's next send: stable across reruns of the same handler for the same event. */
  private nextId(): string {
    if (this.shared.held?.() === false) throw new EventTakenOverError(this.shared.eventId ?? '');
    this.sends += 1;
    const seed = this.shared.idSeed;
    if (seed === undefined) return randomUUID();
    // One digest per handler run names all its sends: the n-th send is the digest with n mixed in.
    // A plugin's observer and fallback send under their own names: the n-th sends of two stages must differ.
    this.idDigest ??= nameDigest(`${seed}|${this.stage === 'handle' ? this.plugin : `${this.plugin}#${this.stage}`}|${this.shared.purpose}`);
    return nameUuid(this.idDigest, this.sends);
  }

  async reply(message: ReplyInput): Promise<{ messageId: string }> {
    const phone = this.userPhone('reply()');
    const request = new MessageSend(this.agentId, phone, toAgentMessage(message), this.nextId(), this);
    try {
      return await this.shared.client.sendMessage(request);
    } catch (error) {
      if (error instanceof UserNotReachableError) await this.unreachable(request, error);
      throw error;
    }
  }

  /**
   * Tells the agent's plugins that Google could not reach the user with this reply, unless
   * these handlers are themselves handling such a notice (no loop).
   */
  private async unreachable(request: SendMessageRequest & { messageId: string }, error: UserNotReachableError): Promise<void> {
    const { runtime, purpose, event, delivery } = this.shared;
    // A Business Messages 404 is a conversation gone, not a phone without RCS: no SMS to fall back to.
    if (runtime === undefined || purpose === 'unreachable' || event?.dialect === 'business-messages') return;
    await runtime.reportUnreachable(unreachableNotice(request, error, this.plugin, event), delivery);
  }

  async markRead(): Promise<void> {
    const userMessageId = this.shared.userMessageId;
    if (userMessageId === undefined) {
      throw new TypeError('ctx.markRead(): expected a user message with a messageId (text, suggestion, location or file)');
    }
    const phone = this.userPhone('markRead()');
    await this.shared.client.sendEvent(this.eventRequest(phone, { eventType: 'READ', messageId: userMessageId }));
  }

  async typing(): Promise<void> {
    const phone = this.userPhone('typing()');
    await this.shared.client.sendEvent(this.eventRequest(phone, { eventType: 'IS_TYPING' }));
  }

  /** An event to send, whose abort signal (the handler's) a rate-limited client reads only if it has to wait. */
  private eventRequest(phone: string, event: AgentEvent): SendEventRequest {
    return new EventSend(this.agentId, phone, event, this.nextId(), this);
  }

  private userPhone(method: string): string {
    const phone = this.shared.phone;
    if (phone === undefined) {
      throw new TypeError(`ctx.${method}: this event has no user phone number; expected a user message or user event`);
    }
    return phone;
  }
}

/**
 * A send a handler makes. Its `signal` (the handler's) is read by a rate-limited client only
 * if the send has to wait its turn: no AbortController is made otherwise. Classes, so the
 * getter is on a prototype rather than a new function in every request.
 */
abstract class HandlerSend {
  readonly #ctx: EventContext;

  constructor(ctx: EventContext) {
    this.#ctx = ctx;
  }

  get signal(): AbortSignal {
    return this.#ctx.signal;
  }
}

/** A message a handler sends. */
class MessageSend extends HandlerSend implements SendMessageRequest {
  constructor(
    readonly agentId: string,
    readonly phone: string,
    readonly message: AgentMessage,
    readonly messageId: string,
    ctx: EventContext,
  ) {
    super(ctx);
  }
}

/** An event (READ, IS_TYPING) a handler sends. */
class EventSend extends HandlerSend implements SendEventRequest {
  constructor(
    readonly agentId: string,
    readonly phone: string,
    readonly event: AgentEvent,
    readonly eventId: string,
    ctx: EventContext,
  ) {
    super(ctx);
  }
}
