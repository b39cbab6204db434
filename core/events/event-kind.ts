import type { EventName } from './event-names.js';
import type { EventFields } from './event-types.js';

/** A decoded wire document: the signed RBM data, or the Business Messages body. */
export type WireDocument = Readonly<Record<string, unknown>>;

/**
 * What an extractor builds: the kind's own fields, `type` first (the parsers add the common
 * fields to this same object, so its keys keep the order events always had). Only a
 * Business Messages text names its own `messageId`; every other id is read by the parsers.
 */
export type KindFields<N extends EventName> = { readonly type: N } & EventFields[N] & { readonly messageId?: string };

/**
 * How an RBM document carries one kind, and the extractor that builds the kind's fields from
 * it. `parseEvent` tries agent notices first, then `eventType`, then fields in table order.
 */
export type RbmWire<N extends EventName> =
  /**
   * A user's message: a document from `senderPhoneNumber`, without `eventType`, carrying
   * `field`. The extractor gets that field's value (never undefined), and gives undefined when
   * it holds no such message, so the next field is tried.
   */
  | { readonly by: 'field'; readonly field: string; readonly extract: (value: unknown, phone: string) => KindFields<N> | undefined }
  /** A user's event, named by `eventType`, about the user in `senderPhoneNumber`. */
  | { readonly by: 'eventType'; readonly eventType: string; readonly extract: (phone: string) => KindFields<N> }
  /** A server event, named by `eventType`, about the user in `phoneNumber` (else `senderPhoneNumber`). */
  | { readonly by: 'serverEventType'; readonly eventType: string; readonly extract: (phone: string) => KindFields<N> }
  /** A notice about the agent itself, no user: the push's `type` attribute says so, or the document carries `field`. */
  | { readonly by: 'agentNotice'; readonly attribute: string; readonly field: string; readonly extract: (data: WireDocument) => KindFields<N> };

/**
 * How a Business Messages body carries one kind, and its extractor. `parseBmEvent` tries
 * fields in table order, then receipts.
 */
export type BmWire<N extends EventName> =
  /**
   * A body carrying `field`. The extractor gets that field's value (never undefined), and gives
   * undefined when it holds no such event, so the next field is tried.
   */
  | { readonly by: 'field'; readonly field: string; readonly extract: (value: unknown, conversationId: string) => KindFields<N> | undefined }
  /** A `receipts` body whose every receipt has this `receiptType`, with the ids of the messages they cover. */
  | { readonly by: 'receiptType'; readonly receiptType: string; readonly extract: (messageIds: string[], conversationId: string) => KindFields<N> };

/** One event kind on the wire: its form in each dialect, null where that dialect has none. */
export interface EventKind<N extends EventName> {
  readonly rbm: RbmWire<N> | null;
  readonly bm: BmWire<N> | null;
}

/** A row for every event name: a name without one, or a row without its extractors, fails `tsc`. */
export type EventKinds = { readonly [N in EventName]: EventKind<N> };
