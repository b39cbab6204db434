/** What {@link withinDeadline} resolves with when time ran out first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Waits for `pending` for at most `ms`: resolves with its value, or with {@link TIMED_OUT}.
 * The work itself goes on; only the waiting stops. A rejection passes through.
 *
 * @example
 * const outcome = await withinDeadline(dispatch, 8_000);
 * if (outcome === TIMED_OUT) answer503();
 */
export async function withinDeadline<T>(pending: PromiseLike<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a deadline calls once its time has passed: an object the caller already has, so a deadline allocates nothing of its own. */
export interface Expiring {
  expire(): void;
}

/** A race's pending side: resolves with the value, or with TIMED_OUT when its deadline passes first. */
class Race<T> implements Expiring {
  constructor(
    private readonly deadlines: SharedDeadlines,
    private readonly resolve: (value: T | typeof TIMED_OUT) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  expire(): void {
    this.resolve(TIMED_OUT);
  }

  settle(value: T): void {
    this.deadlines.cancel(this);
    this.resolve(value);
  }

  fail(error: unknown): void {
    this.deadlines.cancel(this);
    this.reject(error);
  }
}

/**
 * Many deadlines on one timer: `race` costs a map entry instead of a timer and a
 * Promise.race per call, for the ack deadline every push has and the time limit of every
 * handler. Precision is one tick. Each bot makes its own: none lives at module level.
 *
 * @example
 * const deadlines = new SharedDeadlines(25);
 * const outcome = await deadlines.race(dispatch, 8_000);
 */
export class SharedDeadlines {
  /** Each target, and when it expires (ms since the epoch). */
  private readonly waiting = new Map<Expiring, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs = 25) {}

  /**
   * Calls `target.expire()` once `ms` have passed, unless {@link SharedDeadlines.cancel} ran
   * first. One deadline per target at a time.
   *
   * @example
   * deadlines.schedule(10_000, abort); // abort.expire() aborts the call
   * deadlines.cancel(abort);
   */
  schedule(ms: number, target: Expiring): void {
    this.waiting.set(target, Date.now() + ms);
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  /** Forgets `target`'s deadline (nothing when it has none). */
  cancel(target: Expiring): void {
    this.waiting.delete(target);
  }

  /** Resolves with `pending`'s value, or {@link TIMED_OUT} after `ms`; a rejection passes through. */
  race<T>(pending: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      const race = new Race<T>(this, resolve, reject);
      this.schedule(ms, race);
      pending.then(
        (value) => race.settle(value),
        (error: unknown) => race.fail(error),
      );
    });
  }

  private tick(): void {
    const now = Date.now();
    for (const [target, at] of this.waiting) {
      if (at <= now) {
        this.waiting.delete(target);
        target.expire();
      }
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
