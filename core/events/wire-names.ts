import { KIND_ROWS, type EVENT_KINDS } from './event-kinds.js';
import type { EventName } from './event-names.js';

type Kinds = typeof EVENT_KINDS;

/** Every RBM `eventType` a user's phone sends (DELIVERED, READ, IS_TYPING…), from `EVENT_KINDS`. */
export type RbmUserEventType = {
  [N in EventName]: Kinds[N]['rbm'] extends { readonly by: 'eventType'; readonly eventType: infer T } ? T : never;
}[EventName];

/** Every Business Messages `receiptType` rbmkit has an event for, from `EVENT_KINDS`. */
export type BmReceiptType = {
  [N in EventName]: Kinds[N]['bm'] extends { readonly by: 'receiptType'; readonly receiptType: infer T } ? T : never;
}[EventName];

/**
 * The RBM `eventType`s of user events, in table order: what the test builders and the dev
 * chat offer, so a user event added to the table is offered there too.
 *
 * @example
 * RBM_USER_EVENT_TYPES; // ['DELIVERED', 'READ', 'IS_TYPING', 'SUBSCRIBE', 'UNSUBSCRIBE']
 */
export const RBM_USER_EVENT_TYPES: readonly RbmUserEventType[] = Object.freeze(
  KIND_ROWS.flatMap(([, kind]) => (kind.rbm?.by === 'eventType' ? [kind.rbm.eventType as RbmUserEventType] : [])),
);

/**
 * The Business Messages `receiptType`s rbmkit has an event for, in table order.
 *
 * @example
 * BM_RECEIPT_TYPES; // ['DELIVERED', 'READ']
 */
export const BM_RECEIPT_TYPES: readonly BmReceiptType[] = Object.freeze(
  KIND_ROWS.flatMap(([, kind]) => (kind.bm?.by === 'receiptType' ? [kind.bm.receiptType as BmReceiptType] : [])),
);
