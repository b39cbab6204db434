import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { HttpError } from './errors.js';

/** Body-parser (co-body / raw-body) error types, mapped to what the client should hear. */
function fromParserError(error: { type?: string; status?: number; limit?: number; message?: string }): HttpError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `expected a body of at most ${error.limit ?? 'the configured'} bytes`);
    case 'entity.parse.failed':
      return new HttpError(400, 'bad_json', 'expected a JSON object as the body; it did not parse');
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'expected Content-Encoding identity, gzip, deflate or br');
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_charset', 'expected a UTF-8 body');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'the client closed the request before the body was read');
    case 'request.size.invalid':
      return new HttpError(400, 'bad_length', 'expected the body to match its Content-Length');
    default:
      return undefined;
  }
}

/**
 * Turns any error into a JSON answer `{"error": code, "message": text}`. Only an HttpError's
 * own code and message reach the client; anything else is logged and answered as a bare 500.
 *
 * @example
 * router.post('/webhook', jsonErrors(log), bodyParser(), handler);
 */
export function jsonErrors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const error =
        caught instanceof HttpError
          ? caught
          : (fromParserError(caught as never) ?? clientError(caught) ?? new HttpError(500, 'internal_error', 'the server failed; expected a retry to succeed'));
      if (error.status >= 500) log.error({ err: caught, path: ctx.path }, 'request failed');
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = { error: error.code, message: error.message };
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
