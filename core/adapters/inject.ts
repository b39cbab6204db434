import type { IncomingHttpHeaders, OutgoingHttpHeaders, RequestListener } from 'node:http';
import type { Readable } from 'node:stream';
import inject from 'light-my-request';

/** What the bot answered a request handed to it in memory. */
export interface InjectedAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
  /** The bot asked to close the connection (it left a body unread): the host's answer should say `Connection: close`. */
  readonly close: boolean;
}

/** A request to hand to the bot in memory: its body as bytes already read, or a stream to read. */
export interface InjectedRequest {
  readonly method: string;
  /** Path and query, as the bot serves them (`/webhook`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | Readable | undefined;
  readonly remoteAddress?: string | undefined;
}

/** Headers that describe one hop's connection or framing, never passed from one request or answer to another. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * Runs a request through the bot's own listener in memory (light-my-request), so a host that
 * already read the body (Express's `express.json()`, Cloud Functions, a fetch `Request`) gets
 * exactly what the bot's server answers: limits, JSON errors, handshake, signature checks.
 * A body given as bytes is framed by its length; the host's content coding is gone from it.
 *
 * @example
 * const answer = await injectRequest(bot.callback(), { method: 'POST', url: '/webhook', headers, body: req.rawBody });
 */
export async function injectRequest(listener: RequestListener, request: InjectedRequest): Promise<InjectedAnswer> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    // Bytes already read were decoded by the host; a stream still carries its own framing.
    if (Buffer.isBuffer(request.body) && (name === 'content-length' || name === 'content-encoding')) continue;
    headers[name] = value;
  }
  if (Buffer.isBuffer(request.body)) headers['content-length'] = String(request.body.length);
  const answer = await inject(listener, {
    method: request.method as 'POST',
    url: request.url,
    headers,
    ...(request.body === undefined ? {} : { payload: request.body }),
    ...(request.remoteAddress === undefined ? {} : { remoteAddress: request.remoteAddress }),
  });
  const answered: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) answered[name] = value;
  const close = String(answer.headers.connection ?? '').toLowerCase() === 'close';
  return { status: answer.statusCode, headers: answered, body: answer.rawPayload, close };
}
