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
  delivered: { readonly phone: string; readonly messageId?: string };
  read: { readonly phone: string; readonly messageId?: string };
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

/** Fields every event carries. */
export interface CommonFields<N extends EventName> {
  readonly type: N;
  readonly agentId: string;
  /** The event's own id: its messageId, else its eventId; '' when Google sent neither. */
  readonly id: string;
  readonly messageId?: string;
  readonly eventId?: string;
  readonly sendTime?: string;
  /** The signed document exactly as decoded: unknown fields are never dropped. */
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
