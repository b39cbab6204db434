import type { RbmEvent } from '../events/event-types.js';
import { isJsonObject } from '../events/json-value.js';
import { parseBmEvent } from '../events/parse-bm-event.js';
import { parseEvent } from '../events/parse-event.js';
import type { QueueRecord } from './queue.js';

/**
 * A record as ingress writes it: a Business Messages event says so with `dialect`, so a worker
 * rebuilds it with the BM parser (its data is the signed body, not RBM `message.data`). RBM
 * records carry no `dialect`: records written before BM could be queued read as they always did.
 */
export interface DialectQueueRecord extends QueueRecord {
  readonly dialect?: 'business-messages';
}

/**
 * The record ingress publishes for a verified event, from its decoded data (a Business
 * Messages event: its verified body).
 *
 * @example
 * const record = toQueueRecord(event, data); // { v: 1, agentId, data, push, publishedAt }, plus dialect: 'business-messages' for BM
 */
export function toQueueRecord(event: RbmEvent, data: Readonly<Record<string, unknown>>): DialectQueueRecord {
  const record: DialectQueueRecord = { v: 1, agentId: event.agentId, data, push: event.push, publishedAt: Date.now() };
  return event.dialect === 'business-messages' ? { ...record, dialect: 'business-messages' } : record;
}

/**
 * The dialect a record's data speaks: `business-messages`, or undefined for RBM.
 *
 * @example
 * dialectOf(delivery.record); // 'business-messages'
 */
export function dialectOf(record: QueueRecord): 'business-messages' | undefined {
  return (record as DialectQueueRecord).dialect;
}

/**
 * The typed event a record carries, rebuilt as ingress built it (Business Messages events by
 * the BM parser, so `event.push.webhook` still names the BM webhook whose client replies).
 *
 * @example
 * const event = eventOf(delivery.record); // { type: 'text', agentId, phone, … }
 */
export function eventOf(record: QueueRecord): RbmEvent {
  const event = dialectOf(record) === 'business-messages' ? bmEventOf(record) : parseEvent(record.data as Parameters<typeof parseEvent>[0], record.push);
  // Ingress filled in an agent webhook's own agent when the data named none: so does the worker.
  return event.agentId === '' ? { ...event, agentId: record.agentId } : event;
}

function bmEventOf(record: QueueRecord): RbmEvent {
  const event = parseBmEvent(record.data as Record<string, unknown>, record.push);
  // parseQueueRecord refuses such records; one built by hand may still lack it.
  if (event === undefined) throw new Error(`expected a Business Messages record whose data names its "conversationId", got ${conversationIdOf(record.data)}`);
  return event;
}

/**
 * The key that decides a record's partition: its conversation (agent + phone, or agent +
 * conversation id for Business Messages), or its agent when the event has no user.
 *
 * @example
 * conversationKey(event); // 'shop@rbm.goog\u0000+12223334444'
 * conversationKey(bmEvent); // 'brands/b/agents/a\u00005d1c7a0e-…'
 */
export function conversationKey(event: RbmEvent): string {
  // A BM event's phone is its conversation id too; named here so the partitioning does not
  // hang on that alias.
  const user = event.dialect === 'business-messages' ? event.conversationId : event.phone;
  return `${event.agentId}\u0000${user ?? ''}`;
}

/**
 * Reads a record from broker bytes; throws naming what was expected.
 *
 * @example
 * const record = parseQueueRecord(msg.data);
 */
export function parseQueueRecord(bytes: Uint8Array): QueueRecord {
  const record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<DialectQueueRecord>;
  if (record.v !== 1 || typeof record.agentId !== 'string' || !isJsonObject(record.data) || record.push === undefined) {
    throw new Error('expected a queue record {"v":1,"agentId","data","push","publishedAt"}');
  }
  if (record.dialect !== undefined && record.dialect !== 'business-messages') {
    throw new Error(`expected a queue record's "dialect" to be "business-messages" or absent, got ${JSON.stringify(record.dialect)}`);
  }
  if (record.dialect === 'business-messages') {
    const conversationId = record.data.conversationId;
    if (typeof conversationId !== 'string' || conversationId === '') {
      throw new Error(`expected a Business Messages queue record whose data names a non-empty "conversationId", got ${conversationIdOf(record.data)}`);
    }
  }
  return record as QueueRecord;
}

/** What a record's data holds as `conversationId`, for an error message. */
function conversationIdOf(data: unknown): string {
  const value = isJsonObject(data) ? data.conversationId : undefined;
  return value === undefined ? 'none' : JSON.stringify(value).slice(0, 100);
}
