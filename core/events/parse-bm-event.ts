import type { BmContext, PushInfo, RbmEvent } from './event-types.js';
import type { BmWire, EventKind } from './event-kind.js';
import { KIND_ROWS } from './event-kinds.js';
import { EVENT_GROUPS, type EventName } from './event-names.js';
import { isJsonObject as isObject } from './json-value.js';
import { lastSegment, wireString as str } from './wire-values.js';

type Json = Record<string, unknown>;
type Classified = { type: EventName; [field: string]: unknown };
type Wire<B extends BmWire<EventName>['by']> = Extract<BmWire<EventName>, { by: B }>;

/** The Business Messages rows of one form, in table order. */
function rowsBy<B extends BmWire<EventName>['by']>(by: B): Wire<B>[] {
  return KIND_ROWS.flatMap(([, kind]: [EventName, EventKind<EventName>]) => (kind.bm?.by === by ? [kind.bm as Wire<B>] : []));
}

/** Receipt rows by receiptType; two kinds claiming one type is a mistake in the table, refused at load. */
function byReceiptType(rows: readonly Wire<'receiptType'>[]): ReadonlyMap<string, Wire<'receiptType'>> {
  // A Map, not an object literal: a wire value such as "__proto__" must find nothing.
  const map = new Map<string, Wire<'receiptType'>>();
  for (const row of rows) {
    if (map.has(row.receiptType)) throw new Error(`EVENT_KINDS: expected one kind per Business Messages receiptType, got ${row.receiptType} twice`);
    map.set(row.receiptType, row);
  }
  return map;
}

const FIELDS = rowsBy('field');
const RECEIPT_TYPES = byReceiptType(rowsBy('receiptType'));

/** A receipts body: the kind every receipt names (`read`, `delivered`), else undefined. */
function receiptsEvent(receipts: Json, phone: string): Classified | undefined {
  const list = Array.isArray(receipts.receipts) ? receipts.receipts.filter(isObject) : [];
  let row: Wire<'receiptType'> | undefined;
  const messageIds: string[] = [];
  for (const receipt of list) {
    const kind = RECEIPT_TYPES.get(str(receipt.receiptType) ?? '');
    if (kind === undefined || (row !== undefined && kind !== row)) return undefined;
    row = kind;
    const id = lastSegment(str(receipt.message));
    if (id !== undefined) messageIds.push(id);
  }
  return row?.extract(messageIds, phone) as Classified | undefined;
}

function classify(data: Json, phone: string): Classified | undefined {
  for (const row of FIELDS) {
    const value = data[row.field];
    // Most bodies carry one of these fields: skip the others without a call.
    if (value === undefined) continue;
    const fields = row.extract(value, phone);
    if (fields !== undefined) return fields as Classified;
  }
  const receipts = data.receipts;
  if (isObject(receipts)) return receiptsEvent(receipts, phone);
  return undefined;
}

/**
 * Turns a verified Business Messages body (no envelope: the body is the event)
 * into one typed event. The conversation id is the user's address: it is `phone` (so plugins
 * keyed on `phone` work unchanged) and `conversationId`; `agentId` is the agent's resource name
 * `brands/B/agents/A`. The event's id is `message.messageId`, else `requestId`. Bodies rbmkit
 * has no event for (authenticationResponse, surveyResponse, requestedLiveAgent, typing stopped,
 * mixed receipts) become `unknown`, raw body kept. Returns undefined without a conversationId.
 * The kinds and their extractors are the rows of `EVENT_KINDS`.
 *
 * @example
 * const event = parseBmEvent({ conversationId: 'C1', requestId: 'R1', agent: 'brands/b/agents/a', message: { messageId: 'M1', text: 'hi' } }, push);
 * event?.type; // 'text'
 * event?.phone; // 'C1'
 */
export function parseBmEvent(data: Json, push: PushInfo): RbmEvent | undefined {
  const conversationId = str(data.conversationId);
  if (conversationId === undefined || conversationId === '') return undefined;
  const event: Classified = classify(data, conversationId) ?? { type: 'unknown', phone: conversationId };
  const requestId = str(data.requestId);
  const messageId = str(event.messageId);
  event.agentId = str(data.agent) ?? '';
  // Dedupe on the user's message id, else the request's. A receipt names the
  // agent's message it is about, so it is named by its request.
  event.id = (EVENT_GROUPS[event.type] === 'message' ? messageId : undefined) ?? requestId ?? '';
  event.messageId = messageId;
  event.sendTime = str(data.sendTime) ?? str(isObject(data.message) ? data.message.createTime : undefined);
  event.raw = data;
  event.push = push;
  event.dialect = 'business-messages';
  event.conversationId = conversationId;
  event.requestId = requestId;
  event.agent = str(data.agent);
  event.customAgentId = str(data.customAgentId);
  event.context = isObject(data.context) ? (data.context as BmContext) : undefined;
  return event as unknown as RbmEvent;
}
