import type { RbmEvent } from './event-types.js';

/**
 * How old an event is, in ms: by the older of its push's `publishTime` (unsigned, when Pub/Sub
 * published it) and its signed `sendTime`; undefined when neither is a readable time. The
 * signed one matters against a captured push replayed with a fresh `publishTime`.
 *
 * @example
 * eventAgeMs(event, Date.now()); // 1234
 */
export function eventAgeMs(event: Pick<RbmEvent, 'sendTime' | 'push'>, now: number): number | undefined {
  let oldest: number | undefined;
  for (const text of [event.push.publishTime, event.sendTime]) {
    if (text === undefined) continue;
    const at = Date.parse(text);
    if (Number.isFinite(at) && (oldest === undefined || at < oldest)) oldest = at;
  }
  return oldest === undefined ? undefined : now - oldest;
}
