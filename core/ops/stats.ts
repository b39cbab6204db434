/** Counters the bot keeps since it started. Read them with `bot.stats()`. */
export interface BotStats {
  /** Requests that reached a webhook route. */
  received: number;
  /** Pushes whose signature verified. */
  verified: number;
  /** Requests refused by verification (bad or missing signature, wrong token, wrong agent). */
  rejected: number;
  /** Deliveries of an event already handled or in flight. */
  duplicate: number;
  /** Redeliveries that ran plugins which had failed before. */
  redelivered: number;
  /** Events every plugin completed. */
  handled: number;
  /** Events on which at least one plugin failed. */
  failed: number;
  /** Pushes refused with 503 because too many events were in flight. */
  overloaded: number;
  /** Handshakes answered. */
  handshakes: number;
  /** Verified pushes at the partner webhook for an agent with its own webhook (handled, or 403 under `strictWebhooks`). */
  misrouted: number;
  /** Verified pushes whose data could not be used, answered 200 and kept as dead letters (`undeliverablePolicy: 'deadLetter'`). */
  undeliverable: number;
  /** Dead letters the in-memory store dropped (oldest first) to stay within its bounds. */
  deadLettersDropped: number;
}

/**
 * A zeroed set of counters.
 *
 * @example
 * const stats = emptyStats(); stats.received += 1;
 */
export function emptyStats(): BotStats {
  return { received: 0, verified: 0, rejected: 0, duplicate: 0, redelivered: 0, handled: 0, failed: 0, overloaded: 0, handshakes: 0, misrouted: 0, undeliverable: 0, deadLettersDropped: 0 };
}
