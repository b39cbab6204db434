import type { RbmEvent } from '../events/event-types.js';

/**
 * The dedupe key of an event: agent, user and the event's own id. Events with no id cannot be
 * deduplicated and get no key.
 *
 * @example
 * dedupeKey(event); // 'a@rbm.goog\u0000+12223334444\u0000MESSAGE_ID'
 */
export function dedupeKey(event: RbmEvent): string | undefined {
  return event.id === '' ? undefined : `${event.agentId}\u0000${event.phone ?? ''}\u0000${event.id}`;
}
