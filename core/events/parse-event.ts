import type { PushInfo, RbmEvent } from './event-types.js';
import type { EventKind, RbmWire } from './event-kind.js';
import { KIND_ROWS } from './event-kinds.js';
import { EVENT_GROUPS, type EventName } from './event-names.js';
import { wireString as str } from './wire-values.js';

type Json = Record<string, unknown>;
type Wire<B extends RbmWire<EventName>['by']> = Extract<RbmWire<EventName>, { by: B }>;
type EventTypeWire = Wire<'eventType'> | Wire<'serverEventType'>;

/** A fresh object holding a kind's own fields; the common ones are added to it in place. */
type Classified = { type: EventName; [field: string]: unknown };

/** The RBM rows of one form, in table order. */
function rowsBy<B extends RbmWire<EventName>['by']>(by: B): Wire<B>[] {
  return KIND_ROWS.flatMap(([, kind]: [EventName, EventKind<EventName>]) => (kind.rbm?.by === by ? [kind.rbm as Wire<B>] : []));
}

/** Rows by their wire name; two kinds claiming one name is a mistake in the table, refused at load. */
function byEventType(rows: readonly EventTypeWire[]): ReadonlyMap<string, EventTypeWire> {
  // A Map, not an object literal: a wire `eventType` such as "constructor" or "__proto__" must
  // find nothing, not a function from Object.prototype.
  const map = new Map<string, EventTypeWire>();
  for (const row of rows) {
    if (map.has(row.eventType)) throw new Error(`EVENT_KINDS: expected one kind per RBM eventType, got ${row.eventType} twice`);
    map.set(row.eventType, row);
  }
  return map;
}

const AGENT_NOTICES = rowsBy('agentNotice');
const EVENT_TYPES = byEventType([...rowsBy('eventType'), ...rowsBy('serverEventType')]);
const MESSAGE_FIELDS = rowsBy('field');

function classify(data: Json, attributes: Readonly<Record<string, string>>): Classified | undefined {
  for (const row of AGENT_NOTICES) {
    if (attributes.type === row.attribute || Object.hasOwn(data, row.field)) return row.extract(data) as Classified;
  }
  const sender = str(data.senderPhoneNumber);
  const eventType = str(data.eventType);
  if (eventType !== undefined) {
    const row = EVENT_TYPES.get(eventType);
    if (row === undefined) return undefined;
    const phone = row.by === 'serverEventType' ? (str(data.phoneNumber) ?? sender) : sender;
    return phone === undefined ? undefined : (row.extract(phone) as Classified);
  }
  if (sender === undefined) return undefined;
  for (const row of MESSAGE_FIELDS) {
    const value = data[row.field];
    // A message carries one of these fields: skip the others without a call.
    if (value === undefined) continue;
    const fields = row.extract(value, sender);
    if (fields !== undefined) return fields as Classified;
  }
  return undefined;
}

/**
 * Turns a verified, decoded RBM document into one typed event. Lenient, per Google's
 * inconsistent pages: any field but the phone number may be missing, and a document of no
 * known kind becomes an `unknown` event that keeps the raw payload. Nothing is dropped. The
 * kinds and their extractors are the rows of `EVENT_KINDS`.
 *
 * @example
 * const event = parseEvent({ agentId: 'a@rbm.goog', senderPhoneNumber: '+1222', text: 'hi' }, push);
 * event.type; // 'text'
 */
export function parseEvent(data: Json, push: PushInfo): RbmEvent {
  const event: Classified = classify(data, push.attributes) ?? {
    type: 'unknown',
    phone: str(data.senderPhoneNumber) ?? str(data.phoneNumber),
  };
  const messageId = str(data.messageId);
  const eventId = str(data.eventId);
  // A user message is named by its messageId; an event's messageId names the agent's message it
  // is about, so an event is named by its own eventId (Google dedupes events on eventId + phone).
  const id = EVENT_GROUPS[event.type] === 'message' ? (messageId ?? eventId) : (eventId ?? messageId);
  // Added in place, not spread: on V8 a spread followed by more properties costs microseconds.
  event.agentId = str(data.agentId) ?? '';
  event.id = id ?? '';
  event.messageId = messageId;
  event.eventId = eventId;
  event.sendTime = str(data.sendTime);
  event.raw = data;
  event.push = push;
  return event as unknown as RbmEvent;
}
