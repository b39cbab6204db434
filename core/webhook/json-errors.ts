import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { HttpError } from '../errors.js';

/**
 * Turns any error into a JSON answer `{"error": code, "message": text}`. Only an HttpError's
 * own code and message reach the client; anything else is logged and answered as a bare 500.
 * A 5xx HttpError is an answer, not a crash: a 503 is one `warn` line, other 5xx `debug`.
 *
 * @example
 * router.post('/webhook', jsonErrors(log), bodyParser(), handler);
 */
export function jsonErrors(log: Logger): Middleware {
  const answer = (ctx: Context, caught: unknown): void => {
    const error =
      caught instanceof HttpError
        ? caught
        : (clientError(caught) ?? new HttpError(500, 'internal_error', 'the server failed; expected a retry to succeed'));
    // A 5xx HttpError is a deliberate answer. A 500's cause (a plugin failure) was logged
    // where it happened, so here it is only a debug line; a 503 (overloaded, in flight,
    // still running, shutting down, store down) is expected under load: one warn line, no stack.
    if (error.status >= 500 && caught instanceof HttpError) {
      log[error.status === 503 ? 'warn' : 'debug']({ path: ctx.path, code: error.code }, `answered ${error.status} ${error.code}: ${error.message}`);
    } else if (error.status >= 500) log.error({ err: caught, path: ctx.path }, 'request failed');
    ctx.status = error.status;
    ctx.set(error.headers);
    ctx.body = { error: error.code, message: error.message };
  };
  // Not async: one `then` instead of a suspended async frame per request; a synchronous throw
  // from `next` is answered the same way as a rejection.
  return (ctx, next) => {
    try {
      return Promise.resolve(next()).then(undefined, (caught: unknown) => answer(ctx, caught));
    } catch (caught) {
      answer(ctx, caught);
      return Promise.resolve();
    }
  };
}

/** Koa/http-errors with a 4xx status carry a message meant for clients. */
function clientError(caught: unknown): HttpError | undefined {
  const status = (caught as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (caught as { expose?: unknown }).expose === true) {
    return new HttpError(status, 'bad_request', String((caught as Error).message));
  }
  return undefined;
}
