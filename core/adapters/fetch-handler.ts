import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Bot } from '../bot.js';
import { injectRequest } from './inject.js';
import { mountPrefix, pathBelow } from '../webhook/mount-path.js';

export interface FetchHandlerOptions {
  /** The path the webhooks are served below: `/api/rbm` serves the webhook `/webhook` at `/api/rbm/webhook`. Default none. */
  readonly prefix?: string;
}

/**
 * The bot's webhooks as a fetch-style handler, `(Request) => Promise<Response>`: Hono, Next.js
 * route handlers (Node.js runtime), Bun and Deno servers. The body is read as a stream with the
 * bot's own limits; every answer is the bot server's answer (JSON errors, the handshake's bare
 * secret). A path that is no webhook of the bot is answered 404 JSON.
 *
 * @example
 * const handle = fetchHandler(bot);
 * app.post('/webhook', (c) => handle(c.req.raw)); // Hono
 * export const POST = fetchHandler(bot, { prefix: '/api/rbm' }); // Next.js: app/api/rbm/webhook/route.ts
 */
export function fetchHandler(bot: Pick<Bot, 'callback' | 'webhooks'>, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  const prefix = mountPrefix(options.prefix, 'fetchHandler');
  const listener = bot.callback();
  return async (request) => {
    const url = new URL(request.url);
    const path = pathBelow(url.pathname, prefix);
    // Webhooks only: the bot's metrics and health stay off a public catch-all route.
    if (path === undefined || !bot.webhooks().includes(path)) {
      return Response.json({ error: 'not_found', message: "no route here; expected POST to this server's webhook path" }, { status: 404 });
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    const body = request.body === null ? undefined : Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
    const answer = await injectRequest(listener, { method: request.method, url: path + url.search, headers, body });
    const answered = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [String(value)]) answered.append(name, one);
    }
    // A body the bot left unread (too large) is not drained: the connection closes after the answer.
    if (answer.close) answered.set('connection', 'close');
    const bodyless = answer.status === 204 || answer.status === 304 || request.method === 'HEAD';
    return new Response(bodyless ? null : answer.body, { status: answer.status, headers: answered });
  };
}
