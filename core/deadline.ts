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
