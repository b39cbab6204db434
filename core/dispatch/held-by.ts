import type { DedupeStore } from '../stores/dedupe-store.js';
import type { DeliverOptions } from './outcome.js';

/** True while this process still holds an event: made only when the store or the caller can lose it. */
export type Held = () => boolean;

/**
 * Whether this process still holds the event, asked before each record and each send: both
 * the store's lease and the caller's hold must stand. Undefined (nothing to ask) when neither
 * can be lost, as with the in-memory store in direct mode.
 *
 * @example
 * const held = heldBy(store, key, { current: () => delivery.current() });
 * if (held !== undefined && !held()) return LOST;
 */
export function heldBy(store: DedupeStore, key: string | undefined, options: DeliverOptions | undefined): Held | undefined {
  const current = options?.current;
  const leased = key !== undefined && store.holds !== undefined ? key : undefined;
  if (leased === undefined) return current;
  return current === undefined ? () => store.holds!(leased) : () => store.holds!(leased) && current();
}
