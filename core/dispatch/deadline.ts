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

interface Waiter {
  readonly at: number;
  readonly expire: () => void;
}

/**
 * Many deadlines on one timer: `race` costs a Set entry instead of a timer and a
 * Promise.race per call, for the ack deadline every push has and the time limit of every
 * handler. Precision is one tick. Each bot makes its own: none lives at module level.
 *
 * @example
 * const deadlines = new SharedDeadlines(25);
 * const outcome = await deadlines.race(dispatch, 8_000);
 */
export class SharedDeadlines {
  private readonly waiting = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs = 25) {}

  /**
   * Calls `expire` once `ms` have passed, unless the returned cancel function ran first.
   *
   * @example
   * const cancel = deadlines.schedule(10_000, () => controller.abort());
   */
  schedule(ms: number, expire: () => void): () => void {
    const waiter: Waiter = { at: Date.now() + ms, expire };
    this.waiting.add(waiter);
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    return () => void this.waiting.delete(waiter);
  }

  /** Resolves with `pending`'s value, or {@link TIMED_OUT} after `ms`; a rejection passes through. */
  race<T>(pending: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      const cancel = this.schedule(ms, () => resolve(TIMED_OUT));
      pending.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  private tick(): void {
    const now = Date.now();
    for (const waiter of this.waiting) {
      if (waiter.at <= now) {
        this.waiting.delete(waiter);
        waiter.expire();
      }
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
