import type { Middleware } from 'koa';
import bodyParser from 'koa-bodyparser';
import { HttpError } from '../errors.js';
import { UNSIGNED_BODY_LIMIT } from './body-budget.js';

type ParserError = { type?: string; status?: number; message?: string };

const CLOSE = { Connection: 'close' } as const;

/** What the client should hear for each body-parser (co-body / raw-body) failure. */
function toHttpError(error: ParserError, limit: number, signed: boolean): HttpError {
  switch (error.type) {
    case 'entity.too.large':
      // Nothing more of it is read: the connection closes once answered.
      return signed
        ? new HttpError(413, 'payload_too_large', `expected a body of at most ${limit} bytes`, CLOSE)
        : new HttpError(413, 'payload_too_large', `expected an X-Goog-Signature header on a body over ${limit} bytes: only the verification handshake comes unsigned`, CLOSE);
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'expected Content-Encoding identity, gzip, deflate or br');
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_charset', 'expected a UTF-8 body');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'the client closed the request before the body was read; expected a whole body');
    case 'request.size.invalid':
      return new HttpError(400, 'bad_length', 'expected the body to match its Content-Length');
    default:
      // co-body's inflate reports an unknown Content-Encoding with status 415 and no type.
      if (error.status === 415) {
        return /encoding/i.test(error.message ?? '')
          ? new HttpError(415, 'unsupported_encoding', 'expected Content-Encoding identity, gzip, deflate or br')
          : new HttpError(415, 'unsupported_charset', 'expected a UTF-8 body');
      }
      // co-body parses with @hapi/bourne, which refuses prototype-poisoning keys outright.
      if (/forbidden prototype property/.test(error.message ?? '')) {
        return new HttpError(400, 'forbidden_key', 'expected no "__proto__" keys in the body');
      }
      // co-body's other JSON failures carry only status 400.
      return new HttpError(400, 'bad_json', 'expected a JSON object as the body; it did not parse');
  }
}

/**
 * koa-bodyparser for a webhook route: JSON whatever the Content-Type claims, objects and
 * arrays only, at most `limit` bytes (after decompression), or {@link UNSIGNED_BODY_LIMIT} for
 * a request without X-Goog-Signature (only the handshake comes unsigned, and it is tiny, so an
 * unsigned flood costs no memory); every failure becomes an HttpError.
 *
 * @example
 * router.post('/webhook', jsonErrors(log), jsonBody(1024 * 1024), handler);
 */
export function jsonBody(limit: number): Middleware {
  const signed = parser(limit, true);
  const unsigned = parser(Math.min(limit, UNSIGNED_BODY_LIMIT), false);
  return (ctx, next) => {
    const isSigned = ctx.headers['x-goog-signature'] !== undefined;
    // Mounted in an app whose own body parser ran first: its body, held to the same limits.
    if (ctx.request.body !== undefined) return checkParsed(ctx.request.body, ctx.request.rawBody, isSigned ? limit : Math.min(limit, UNSIGNED_BODY_LIMIT), isSigned, next);
    return (isSigned ? signed : unsigned)(ctx, next);
  };
}

/**
 * A body another parser already read (a host app's koa-bodyparser, @koa/bodyparser…): its size,
 * from the raw text the parser kept or else from the parsed value, must fit `limit`, as if read here.
 */
function checkParsed(body: unknown, raw: unknown, limit: number, signed: boolean, next: () => Promise<unknown>): Promise<unknown> {
  const size =
    typeof raw === 'string' ? Buffer.byteLength(raw) : Buffer.isBuffer(raw) ? raw.length : typeof body === 'string' ? Buffer.byteLength(body) : Buffer.byteLength(JSON.stringify(body) ?? '');
  if (size > limit) throw toHttpError({ type: 'entity.too.large' }, limit, signed);
  return next();
}

function parser(limit: number, signed: boolean): Middleware {
  // The limit as a number of bytes: raw-body takes it as it is, where a string ('1048576b') is
  // parsed on every request. co-body documents a number; @types/koa-bodyparser says string only.
  const jsonLimit = limit as unknown as string;
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit, strict: true, detectJSON: () => true });
  // The parser's `next`: nothing follows it there, so one settled promise serves every request.
  const parsed = Promise.resolve();
  const done = () => parsed;
  const refuse = (error: unknown): never => {
    const status = (error as ParserError).status;
    if (typeof status === 'number' && status >= 500) throw error;
    throw toHttpError(error as ParserError, limit, signed);
  };
  // `next` runs only once the body parsed; its own failures pass through unchanged.
  return (ctx, next) => parse(ctx, done).then(() => next(), refuse);
}
