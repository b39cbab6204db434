/**
 * An error that maps to an HTTP answer. `code` and `message` are safe to show a client;
 * nothing else of the error (stack, cause) ever leaves the process.
 *
 * @example
 * throw new HttpError(400, 'bad_json', 'expected a JSON object, got an array');
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/**
 * Thrown by a plugin handler when retrying cannot help (bad input, a business rule).
 * The failure is logged and reported, and Google is answered 200 so it does not redeliver.
 *
 * @example
 * agent.on('text', (e) => { if (!e.text.trim()) throw new PermanentError('empty text'); });
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly permanent = true;
}

/**
 * Whether an error says that a retry cannot fix it: a {@link PermanentError}, or any error
 * carrying `permanent: true`.
 *
 * @example
 * isPermanent(new PermanentError('no')); // true
 */
export function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/**
 * A configuration mistake, found at start-up or when agents change. The message names the
 * field and what was expected.
 *
 * @example
 * throw new ConfigError('agents.a1.webhook.path: expected a path starting with "/", got "hook"');
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A send refused because this process no longer holds the event: a queue worker frozen or cut
 * off past its lease, whose event another worker took over. The new holder sends the replies
 * (under the same ids); this one sends nothing more.
 *
 * @example
 * throw new EventTakenOverError('MESSAGE_ID');
 */
export class EventTakenOverError extends Error {
  override readonly name = 'EventTakenOverError';

  constructor(eventId: string) {
    super(`event "${eventId}" was taken over by another worker (this process lost its lease); expected its new holder to send the replies`);
  }
}
