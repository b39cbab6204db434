import type { IncomingMessage } from 'node:http';

/** A request as a host framework may leave it: its body parsed, and perhaps its raw bytes kept. */
export type HostRequest = IncomingMessage & { body?: unknown; rawBody?: unknown; _body?: unknown };

/**
 * What can be had of a request's body when the bot gets it from a host framework:
 * - `'unread'`: nothing read it yet, the bot reads it from the stream itself (with its limits);
 * - bytes: what the host kept or parsed. The raw bytes where the host kept them (`req.rawBody`,
 *   as Cloud Functions and a `verify` hook keep them), else the parsed body written back as JSON:
 *   enough for an RBM push, whose signature covers only `message.data`, not for Business
 *   Messages, whose signature covers the exact body bytes;
 * - `'lost'`: something read the stream and kept nothing.
 *
 * @example
 * app.use(express.json({ verify: keepRawBody }));
 * consumedBody(req); // req.rawBody, the exact bytes
 */
export function consumedBody(req: HostRequest): Buffer | 'unread' | 'lost' {
  const raw = req.rawBody;
  if (Buffer.isBuffer(raw)) return raw;
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  // body-parser marks a body it read with `_body`; any other reader leaves the stream ended.
  if (!req.readableEnded && req._body !== true) return 'unread';
  const body = req.body;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body !== undefined) return Buffer.from(JSON.stringify(body), 'utf8');
  return req.headers['content-length'] === '0' ? Buffer.alloc(0) : 'lost';
}

/**
 * A `verify` hook for Express's body parsers that keeps the exact bytes as `req.rawBody`, as
 * Cloud Functions does: what a Business Messages signature is checked against when the app
 * parses JSON before rbmkit. RBM pushes verify without it.
 *
 * @example
 * app.use(express.json({ limit: '2mb', verify: keepRawBody }));
 * app.post('/webhook', expressHandler(bot));
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, bytes: Buffer): void {
  (req as HostRequest).rawBody = bytes;
}
