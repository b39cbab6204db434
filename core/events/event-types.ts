import type { EVENT_GROUPS, EventName } from './event-names.js';
import type { AgentMessage } from '../client/agent-message.js';

/** Where a push came from (`event.push`): the unsigned envelope around the signed data. Hints only. */
export interface PushInfo {
  /** Pub/Sub's id of this delivery (`message.messageId`). */
  readonly pushId?: string;
  readonly publishTime?: string;
  readonly subscription?: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The path of the webhook the push arrived at. */
  readonly webhook: string;
  /** `Date.now()` when the push was received. */
  readonly receivedAt: number;
}

/** A file the user shared, or its thumbnail. Any field may be missing. */
export interface UserFileInfo {
  readonly mimeType?: string;
  readonly fileSizeBytes?: number;
  readonly fileUri?: string;
  readonly fileName?: string;
}

/** What each event adds to the common fields. One entry per name in `EVENT_GROUPS`. */
export interface EventFields {
  text: { readonly phone: string; readonly text: string };
  suggestion: {
    readonly phone: string;
    /** `REPLY` for a suggested reply chip, `ACTION` for a suggested action; absent on some action taps. */
    readonly suggestionType?: string;
    readonly postbackData: string;
    /** The chip's text; absent on some action taps. */
    readonly text?: string;
  };
  location: { readonly phone: string; readonly latitude: number; readonly longitude: number };
  file: { readonly phone: string; readonly file: UserFileInfo; readonly thumbnail?: UserFileInfo };
  delivered: {
    readonly phone: string;
    readonly messageId?: string;
    /** Business Messages: every message the receipt covers (one body may carry several). */
    readonly messageIds?: readonly string[];
  };
  read: { readonly phone: string; readonly messageId?: string; readonly messageIds?: readonly string[] };
  typing: { readonly phone: string };
  subscribe: { readonly phone: string };
  unsubscribe: { readonly phone: string };
  ttlRevoked: { readonly phone: string; readonly messageId?: string };
  ttlRevokeFailed: { readonly phone: string; readonly messageId?: string };
  agentLaunch: {
    readonly phone?: undefined;
    readonly botDisplayName?: string;
    readonly brandId?: string;
    readonly brandDisplayName?: string;
    readonly regionId?: string;
    readonly oldLaunchState?: string;
    readonly newLaunchState?: string;
    readonly actingParty?: string;
    readonly comment?: string;
  };
  unknown: { readonly phone?: string };
}

/** A Business Messages user's context (`context` of every BM body): where the conversation started, who the user is. */
export interface BmContext {
  readonly entryPoint?: string;
  readonly placeId?: string;
  readonly resolvedLocale?: string;
  readonly userInfo?: { readonly displayName?: string; readonly userDeviceLocale?: string };
  /** Anything else Google sent in `context`, as sent. */
  readonly [field: string]: unknown;
}

/**
 * What a Business Messages event adds. On such events `phone` and `ctx.phone`
 * hold the conversation id, the user's address in that dialect, so every plugin that keys or
 * answers a user by `phone` works unchanged.
 */
export interface BmFields {
  readonly dialect: 'business-messages';
  /** The user's conversation with the agent: who replies go to (same as `phone`). */
  readonly conversationId: string;
  /** Google's id of this request: the event's id when it has no `message.messageId`. */
  readonly requestId?: string;
  /** The agent's resource name, `brands/B/agents/A` (also `agentId`). */
  readonly agent?: string;
  /** The partner's own id of the agent, when set. */
  readonly customAgentId?: string;
  readonly context?: BmContext;
}

/** Fields every event carries. */
export interface CommonFields<N extends EventName> {
  /** `business-messages` on events of that dialect; undefined on RBM events. */
  readonly dialect?: 'business-messages';
  /** Business Messages only: the conversation id (same as `phone`). */
  readonly conversationId?: string;
  /** Business Messages only: Google's request id. */
  readonly requestId?: string;
  /** Business Messages only: the agent's resource name `brands/B/agents/A` (also `agentId`). */
  readonly agent?: string;
  /** Business Messages only: the partner's own id of the agent. */
  readonly customAgentId?: string;
  /** Business Messages only: the user's context (entry point, place, locale, display name). */
  readonly context?: BmContext;
  readonly type: N;
  readonly agentId: string;
  /** The event's own id: its messageId, else its eventId (Business Messages: else its requestId); '' when Google sent none. */
  readonly id: string;
  readonly messageId?: string;
  readonly eventId?: string;
  readonly sendTime?: string;
  /** The signed document exactly as decoded (Business Messages: the body): unknown fields are never dropped. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly push: PushInfo;
}

/** The event named `N`. */
export type EventOf<N extends EventName> = CommonFields<N> & EventFields[N];

/** Every event rbmkit emits, discriminated by `type`. */
export type RbmEvent = { [N in EventName]: EventOf<N> }[EventName];

type Group<G> = { [N in EventName]: (typeof EVENT_GROUPS)[N] extends G ? EventOf<N> : never }[EventName];
/** A user's message: text, suggestion tap, location or file. */
export type UserMessage = Group<'message'>;
/** A user's event: delivered, read, typing, subscribe, unsubscribe. */
export type UserEvent = Group<'userEvent'>;
/** A server or platform event: TTL revocation results, agent launch. */
export type ServerEvent = Group<'serverEvent'>;

/** Why a request was refused before reaching any plugin. */
export type RejectReason =
  | 'missing_signature'
  | 'bad_signature'
  | 'bad_client_token'
  | 'agent_mismatch'
  | 'missing_agent_id'
  /** Published longer ago than `replayWindowMs` (opt-in): answered 200 and dropped. */
  | 'too_old';

/** A request that failed verification. Seen by plugins of the webhook's owner; never trusted. */
export interface RejectedNotice {
  readonly type: 'rejected';
  readonly reason: RejectReason;
  /** The webhook path the request arrived at. */
  readonly webhook: string;
  /** The status answered: 401/403, or 200 under the `acknowledge` policy and for `too_old`. */
  readonly status: number;
  /** The agent the unverified data claimed, when it could be read. Do not trust it. */
  readonly claimedAgentId?: string;
  readonly receivedAt: number;
}

/** Handlers that failed on one event, gathered into one error naming their plugins. */
export interface FailedNotice {
  readonly type: 'failed';
  readonly event: RbmEvent;
  readonly error: AggregateError;
  readonly plugins: readonly string[];
  /** True when every failure was permanent, so Google is not asked to redeliver. */
  readonly permanent: boolean;
}

/** How one delivery of an event ended, after every plugin ran: for logs and metrics. */
export interface SettledNotice {
  readonly type: 'settled';
  readonly event: RbmEvent;
  readonly outcome: 'handled' | 'duplicate' | 'failed' | 'failedPermanently';
  /** Plugins that failed, if any. */
  readonly failed: readonly string[];
  /** From receipt of the push to the end of dispatch, in ms. */
  readonly latencyMs: number;
  readonly attempt: number;
}

/**
 * A message Google refused with 404 because the user cannot get RCS (not capable, RCS off, the
 * agent not launched on the carrier): the plugins of the agent that sent it hear it, with the
 * message, so one of them can fall back to SMS. Sends made while handling this notice that fail
 * the same way are not notified again.
 */
export interface UnreachableNotice {
  readonly type: 'unreachable';
  readonly agentId: string;
  /** The user's E.164 phone number. */
  readonly phone: string;
  /** The message that could not be sent, as it was sent. */
  readonly message: AgentMessage;
  readonly messageId: string;
  /** Google's answer, as a typed error (`UserNotReachableError`). */
  readonly error: Error;
  /** The event whose handler made the send; undefined for a send made outside a handler. */
  readonly event?: RbmEvent;
  /** The plugin whose handler made the send, when one did. */
  readonly plugin?: string;
}

/**
 * A verified push that arrived at the partner webhook for an agent that has its own webhook
 * (Google and the config disagree, e.g. mid-migration). Accepted and handled as usual, counted,
 * warned once per agent; refused with 403 under `strictWebhooks: true`. The agent's plugins hear it.
 */
export interface MisroutedNotice {
  readonly type: 'misrouted';
  readonly agentId: string;
  /** The webhook the push arrived at. */
  readonly webhook: string;
  /** The agent's own webhook, where the push was expected. */
  readonly expectedWebhook: string;
  /** 200 when it was accepted, 403 under `strictWebhooks`. */
  readonly status: number;
  /** The event, as parsed from the verified data. */
  readonly event: RbmEvent;
}

/** Why a verified push could not be used. */
export type UndeliverableReason = 'bad_data' | 'agent_mismatch' | 'missing_agent_id';

/**
 * A verified push whose data could not be used (not JSON, another agent's id…), under the
 * opt-in `undeliverable` policy: answered 200 so Google stops retrying, and kept in the
 * dead-letter store. The webhook owner's plugins hear it (the partner scope for the partner webhook).
 */
export interface UndeliverableNotice {
  readonly type: 'undeliverable';
  readonly reason: UndeliverableReason;
  /** The webhook the push arrived at. */
  readonly webhook: string;
  /** What was wrong with the data, and what was expected. */
  readonly message: string;
  /** The agent the data named, when it could be read (at most 200 characters). */
  readonly claimedAgentId?: string;
  /**
   * Where the push is kept: its id in the dead-letter store (`bot.deadLetters()`, `rbmkit dlq`).
   * Undefined only when the in-memory store could not hold it at all (larger than its `maxBytes`).
   */
  readonly deadLetterId?: string;
  /** The Pub/Sub id of the push (`message.messageId`). */
  readonly pushId?: string;
  readonly receivedAt: number;
}

/** Every notice, discriminated by `type`. */
export type Notice = RejectedNotice | FailedNotice | SettledNotice | UnreachableNotice | MisroutedNotice | UndeliverableNotice;

/** What a handler subscribed under each name receives. */
export type EventMap = { [N in EventName]: EventOf<N> } & {
  message: UserMessage;
  userEvent: UserEvent;
  serverEvent: ServerEvent;
  any: RbmEvent;
  rejected: RejectedNotice;
  failed: FailedNotice;
  settled: SettledNotice;
  unreachable: UnreachableNotice;
  misrouted: MisroutedNotice;
  undeliverable: UndeliverableNotice;
};

// Compile-time guards: adding a name to EVENT_GROUPS without its fields (or the reverse), or a
// subscribable name without a payload type, fails `tsc`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _FieldsCoverEveryName = Assert<Same<keyof EventFields, EventName>>;
export type _MapCoversEveryName = Assert<Same<keyof EventMap, import('./event-names.js').SubscribableName>>;
