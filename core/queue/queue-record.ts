import type { RbmEvent } from '../events/event-types.js';
import { parseEvent } from '../events/parse-event.js';
import type { QueueRecord } from './queue.js';

/**
 * The record ingress publishes for a verified event, from its decoded data.
 *
 * @example
 * const record = toQueueRecord(event, data); // { v: 1, agentId, data, push, publishedAt }
 */
export function toQueueRecord(event: RbmEvent, data: Readonly<Record<string, unknown>>): QueueRecord {
  return { v: 1, agentId: event.agentId, data, push: event.push, publishedAt: Date.now() };
}

/**
 * The typed event a record carries, rebuilt as ingress built it.
 *
 * @example
 * const event = eventOf(delivery.record); // { type: 'text', agentId, phone, … }
 */
export function eventOf(record: QueueRecord): RbmEvent {
  const event = parseEvent(record.data as Parameters<typeof parseEvent>[0], record.push);
  return event.agentId === '' ? { ...event, agentId: record.agentId } : event;
}

/**
 * The key that decides a record's partition: its conversation (agent + phone), or its agent
 * when the event has no user.
 *
 * @example
 * conversationKey(event); // 'shop@rbm.goog\u0000+12223334444'
 */
export function conversationKey(event: RbmEvent): string {
  return `${event.agentId}\u0000${event.phone ?? ''}`;
}

/**
 * Reads a record from broker bytes; throws naming what was expected.
 *
 * @example
 * const record = parseQueueRecord(msg.data);
 */
export function parseQueueRecord(bytes: Uint8Array): QueueRecord {
  const record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<QueueRecord>;
  if (record.v !== 1 || typeof record.agentId !== 'string' || typeof record.data !== 'object' || record.push === undefined) {
    throw new Error('expected a queue record {"v":1,"agentId","data","push","publishedAt"}');
  }
  return record as QueueRecord;
}
