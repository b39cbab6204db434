/** A rate: at most `calls` calls in any `perMs` milliseconds, with bursts of up to `burst`. */
export interface RateLimit {
  /** Calls allowed in any window of `perMs`. At least 1. */
  readonly calls: number;
  /** The window, in ms (60,000 for "a minute"). */
  readonly perMs: number;
  /**
   * Calls that may go at once after a quiet spell: the bucket's size. Default a tenth of
   * `calls` (at least 1); less than `calls` unless `calls` is 1.
   */
  readonly burst?: number;
}

/**
 * A token bucket sized so that no window of `perMs` ever sees more than `calls` calls, however
 * the other side counts its window (rolling or by the clock): it holds `burst` tokens and
 * refills at `calls - burst` per `perMs`, so a burst plus a window's refill stays within
 * `calls`. (A bucket of `calls` tokens refilled at `calls` per window would let twice `calls`
 * through in the first window.) Starts full. Pure arithmetic on a clock: no timers.
 *
 * @example
 * const bucket = new TokenBucket({ calls: 600, perMs: 60_000 }); // 60 at once, then 9 a second
 * if (!bucket.tryTake()) setTimeout(retry, bucket.msUntil(1));
 */
export class TokenBucket {
  readonly capacity: number;
  /** Milliseconds per token refilled. */
  readonly msPerToken: number;
  private tokens: number;
  private last: number;

  constructor(
    limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    checkRateLimit(limit);
    const capacity = limit.burst ?? Math.max(1, Math.floor(limit.calls / 10));
    this.capacity = capacity;
    // `calls` of 1 (burst 1): one call per window, the next a millisecond past it.
    this.msPerToken = limit.calls > capacity ? limit.perMs / (limit.calls - capacity) : limit.perMs + 1;
    this.tokens = capacity;
    this.last = now();
  }

  /**
   * Takes a token if one is there: true, or false (and nothing changes).
   *
   * @example
   * if (bucket.tryTake()) send();
   */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Milliseconds until `count` tokens are there, if nothing else takes any (0: now).
   *
   * @example
   * bucket.msUntil(3); // the third caller in line waits this long
   */
  msUntil(count: number): number {
    this.refill();
    return Math.max(0, (count - this.tokens) * this.msPerToken);
  }

  /** True when the bucket holds all its tokens: it is as good as a new one. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  private refill(): void {
    const now = this.now();
    if (this.tokens < this.capacity) this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.msPerToken);
    this.last = now;
  }
}

const WHOLE = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0;

/**
 * Throws a RangeError naming what is wrong with a rate limit.
 *
 * @example
 * checkRateLimit({ calls: 600, perMs: 60_000 }); // fine
 */
export function checkRateLimit(limit: RateLimit): void {
  if (!WHOLE(limit.calls)) throw new RangeError(`rate limit calls: expected a positive whole number, got ${JSON.stringify(limit.calls)}`);
  if (!WHOLE(limit.perMs)) throw new RangeError(`rate limit perMs: expected a positive whole number of ms, got ${JSON.stringify(limit.perMs)}`);
  if (limit.burst !== undefined) {
    if (!WHOLE(limit.burst)) throw new RangeError(`rate limit burst: expected a positive whole number, got ${JSON.stringify(limit.burst)}`);
    if (limit.burst >= limit.calls && limit.calls > 1) {
      throw new RangeError(`rate limit burst: expected less than calls (${limit.calls}) so the bucket refills within the window, got ${limit.burst}`);
    }
  }
}
