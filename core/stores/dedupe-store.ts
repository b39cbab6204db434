/** What a store says when an event is claimed for handling. */
export interface Claim {
  /** Another holder (another process) is handling this event right now: do not dispatch. */
  readonly busy: boolean;
  /** How many times this event has been claimed, this claim included. */
  readonly attempt: number;
  /** The plugins (by key) that already completed this event. */
  readonly completed: ReadonlySet<string>;
}

/** How a claim is taken. */
export interface ClaimOptions {
  /**
   * Take the event's lease even when another holder has it. Only for a caller that knows the
   * holder has lost the event: a queue worker given a broker's redelivery (the broker lets one
   * record per partition out at a time, and redelivers only once the last holder stopped
   * keeping it alive), so the crashed holder's lease need not be waited out.
   */
  readonly takeover?: boolean;
}

/**
 * Remembers which plugins completed which event, so a redelivery reruns only what failed,
 * and marks events in flight so a concurrent duplicate is not dispatched twice.
 * The in-memory store serves one process; a shared store (Redis) serves several.
 *
 * A store may answer at once (a value) or later (a promise): the in-memory store answers at
 * once, so an event costs no promise and no wait for it; a store over the network returns
 * promises. Either way, a failure (a throw or a rejection) means the store did not answer.
 */
export interface DedupeStore {
  /**
   * Claims `key` for handling and counts the attempt.
   *
   * @example
   * const claim = await store.claim('agent\u0000+1222…\u0000msg-1');
   * if (!claim.busy) { … }
   */
  claim(key: string, options?: ClaimOptions): Claim | Promise<Claim>;
  /**
   * Whether this process still holds the lease it claimed on `key`, answered at once from what
   * it knows: false once a renewal found the lease taken over, or once the lease may have
   * lapsed (the process was frozen past it). A holder that lost its lease records nothing
   * more and sends nothing more for the event: its new holder does. Stores without leases
   * that can lapse (the in-memory one) leave it out.
   *
   * @example
   * if (store.holds?.(key) === false) return; // taken over: leave the event to its new holder
   */
  holds?(key: string): boolean;
  /** Records that the plugin `pluginKey` completed the event `key`. */
  complete(key: string, pluginKey: string): void | Promise<void>;
  /** Ends the claim taken by {@link DedupeStore.claim}. */
  release(key: string): void | Promise<void>;
  /**
   * True when several processes see the same entries (Redis). A bot started as one of several
   * processes warns loudly when its store is not shared: duplicates would run twice.
   */
  readonly shared?: boolean;
  /** Connects; `bot.listen()` waits for it (and logs, without failing, when it cannot). */
  open?(): Promise<void>;
  /** Resolves when the store answers, rejects when it does not: readiness asks this. */
  ping?(): Promise<void>;
  /** Frees resources; called by `bot.close()`. */
  close?(): Promise<void>;
}
