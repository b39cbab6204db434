import type { Expiring } from '../dispatch/deadline.js';

/**
 * The abort signal of one HTTP call: what undici needs of a signal (`aborted`, `reason`,
 * `on`/`once`/`removeListener` for its one `abort` listener) and nothing more. An
 * AbortController costs an EventTarget, an AbortSignal and their listener records per call;
 * this costs one small object. Not an AbortSignal: give it to undici only.
 *
 * @example
 * const abort = new CallAbort();
 * deadlines.schedule(10_000, abort); // past it, abort.expire() aborts the call
 * await dispatcher.request({ origin, path, method: 'GET', signal: abort });
 * deadlines.cancel(abort);
 */
export class CallAbort implements Expiring {
  aborted = false;
  reason: Error | undefined = undefined;
  private listener: (() => void) | undefined = undefined;

  /** undici subscribes its one listener with `once('abort', …)`. */
  once(event: string, listener: () => void): this {
    if (event === 'abort') this.listener = listener;
    return this;
  }

  on(event: string, listener: () => void): this {
    return this.once(event, listener);
  }

  removeListener(event: string, listener: () => void): this {
    if (event === 'abort' && this.listener === listener) this.listener = undefined;
    return this;
  }

  /** Its deadline passed: aborts the call. */
  expire(): void {
    this.abort();
  }

  /** Aborts the call (once): its listener runs, and undici fails the request with `reason` or its own abort error. */
  abort(reason?: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}
