/**
 * A shared store (Redis) did not answer. The push is answered 503 so Google redelivers it
 * later: never dispatched without its dedupe record, which could run a plugin twice.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
