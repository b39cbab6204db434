/** What a test bot's push resolves with. */

/** An HTTP answer as the test kit reads it: status, body (parsed when JSON), headers. */
export type Answer = { status: number; body: unknown; headers: Headers };

/** One plugin's failure on a push: the plugin's key and what it threw. */
export interface PushFailure {
  readonly plugin: string;
  /**
   * What the plugin's handler (or its setup) threw, with its stack and cause: a
   * `HandlerTimeoutError` past the time limit; a thrown non-Error is wrapped, as `cause`.
   */
  readonly error: Error;
}

/** The answer to a push, and what each plugin that failed on it threw. */
export interface PushAnswer extends Answer {
  /** The plugins that failed on this push (permanently or not), in the order they failed; empty if none. */
  readonly failures: readonly PushFailure[];
}

